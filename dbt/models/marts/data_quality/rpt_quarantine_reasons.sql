with quarantine as (
    select * from {{ ref('stg_ingest_meta__quarantine') }}
),

files as (
    select * from {{ ref('rpt_ingest_files') }}
),

-- the versions whose quarantine rows are kept: each file's version in force, and a newer
-- version rejected whole that left the loaded one in force (its rejection reason counts too)
file_versions as (
    select
        load_id,
        source,
        system,
        file_name,
        rows_read,
        loaded_at
    from files
    union all
    select
        newer_version_load_id as load_id,
        source,
        system,
        file_name,
        cast(null as bigint) as rows_read,
        newer_version_rejected_at as loaded_at
    from files
    where newer_version_load_id is not null
),

personal_headers as (
    select * from {{ ref('personal_data_headers') }}
),

-- one row per problem of a quarantined row: reasons are '; '-separated "kind: detail" parts
reason_parts as (
    select
        load_id,
        data_row_number,
        is_whole_file,
        reason,
        raw_values,
        {{ split_to_rows('reason', "'; '") }} as reason_part
    from quarantine
),

-- the kind is the text before the first ':', the same rule as the ingest command's summary
row_reason_kinds as (
    select distinct
        load_id,
        data_row_number,
        is_whole_file,
        reason,
        raw_values,
        trim(split_part(reason_part, ':', 1)) as reason_kind
    from reason_parts
),

per_kind as (
    select
        load_id,
        reason_kind,
        bool_or(is_whole_file) as is_whole_file,
        count(*) as rows_quarantined,
        min(data_row_number) as example_row_number,
        min_by(reason, coalesce(data_row_number, 0)) as example_reason,
        min_by(raw_values, coalesce(data_row_number, 0)) as example_raw_values
    from row_reason_kinds
    group by load_id, reason_kind
),

-- rows ingest loaded but the warehouse holds back because their parent row is not there
-- (see int_held_back_child_rows): counted here beside the ingest quarantine, by their kind
held_back_per_kind as (
    select
        files.load_id,
        held_back.reason_kind,
        false as is_whole_file,
        count(*) as rows_quarantined,
        min(held_back.data_row_number) as example_row_number,
        min_by(held_back.reason, held_back.data_row_number) as example_reason,
        cast(null as string) as example_raw_values
    from {{ ref('int_held_back_child_rows') }} as held_back
    inner join files on held_back.file_name = files.file_name
    group by files.load_id, held_back.reason_kind
),

all_kinds as (
    select * from per_kind
    union all
    select * from held_back_per_kind
),

-- the example row with the values of the contracts' personal-data columns masked by kind
-- (the masked keys move to the end of the row, in header order)
example_personal_values as (
    select
        per_kind.load_id,
        per_kind.reason_kind,
        per_kind.example_raw_values,
        personal_headers.header,
        personal_headers.pii_kind,
        {{ json_text_at_key('per_kind.example_raw_values', 'personal_headers.header') }}
            as raw_value
    from per_kind
    cross join personal_headers
    where {{ is_valid_json('per_kind.example_raw_values') }}
),

masked_personal_values as (
    select
        load_id,
        reason_kind,
        example_raw_values,
        header,
        case pii_kind
            when 'name' then {{ mask_personal_data('raw_value', 'name') }}
            when 'phone' then {{ mask_personal_data('raw_value', 'phone') }}
            when 'id_number' then {{ mask_personal_data('raw_value', 'id_number') }}
            else {{ mask_personal_data('raw_value', 'email') }}
        end as masked_value
    from example_personal_values
    where raw_value is not null
),

masked_values as (
    select
        load_id,
        reason_kind,
        any_value(example_raw_values) as example_raw_values,
        {{ map_agg_by_key('header', 'masked_value') }} as masked_values
    from masked_personal_values
    group by load_id, reason_kind
),

masked_examples as (
    select
        load_id,
        reason_kind,
        {{ json_with_entries('example_raw_values', 'masked_values') }} as example_raw_values
    from masked_values
),

final as (
    select
        file_versions.source,
        file_versions.system,
        file_versions.file_name,
        file_versions.load_id,
        per_kind.reason_kind,
        per_kind.is_whole_file,
        per_kind.rows_quarantined,
        case
            when not per_kind.is_whole_file and file_versions.rows_read > 0
                then cast(per_kind.rows_quarantined as double) / file_versions.rows_read
        end as share_of_rows_read,
        per_kind.example_row_number,
        {{ mask_personal_text('per_kind.example_reason') }} as example_reason,
        {{ mask_personal_text(
            'coalesce(masked_examples.example_raw_values, per_kind.example_raw_values)'
        ) }} as example_raw_values,
        file_versions.loaded_at
    from all_kinds as per_kind
    inner join file_versions on per_kind.load_id = file_versions.load_id
    left join masked_examples
        on
            per_kind.load_id = masked_examples.load_id
            and per_kind.reason_kind = masked_examples.reason_kind
)

select * from final
