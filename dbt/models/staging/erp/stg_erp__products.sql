-- the code sets its columns are tested against (relationships tests), built before it
-- depends_on: {{ ref('product_lines') }}
with products as (
    {{ latest_export_rows(source('erp', 'erp_products'), ['sku']) }}
),

final as (
    select
        sku,
        product_name,
        product_line,
        product_category,
        model,
        cast(list_price as decimal(18, 2)) as list_price,
        _file_name as source_file_name,
        _row_number as source_row_number
    from products
)

select * from final
