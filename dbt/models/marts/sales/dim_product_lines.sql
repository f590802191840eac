with product_lines as (
    select * from {{ ref('product_lines') }}
)

select
    product_line,
    product_line_name_zh,
    product_line_name_en,
    product_category,
    product_category_name_zh
from product_lines
