-- A company names and orders its open stages freely in seeds/opportunity_stages.csv, but the
-- two closed classes keep the codes `won` and `lost`: the marts read a deal's outcome from
-- them, and the contracts map every closed stage name of the CRM onto one of the two.
-- Returns each row whose class and code disagree, and a row for a class with no stage.
with stages as (
    select * from {{ ref('opportunity_stages') }}
),

mismatched as (
    select
        stage_code,
        'class and code disagree' as problem
    from stages
    where
        is_won != (stage_code = 'won')
        or (is_closed and not is_won) != (stage_code = 'lost')
        or (stage_code = 'lost') != (stage_order is null)
),

missing as (
    select
        codes.stage_code,
        'stage missing' as problem
    from (values ('won'), ('lost')) as codes (stage_code)
    where codes.stage_code not in (select stages.stage_code from stages)
)

select * from mismatched
union all
select * from missing
