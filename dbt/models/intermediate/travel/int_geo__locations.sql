-- one row per office and per customer account: the coordinate the travel marts use (WGS-84),
-- where it came from and how precise it is. A customer's location is the median of its
-- plausible check-ins (robust to the odd check-in made elsewhere) when there are enough of
-- them (travel_rules.min_checkins_before_crm_coordinate), else the position its CRM record
-- holds when plausible, else the median of its fewer check-ins; an office's is the CRM's own
-- coordinate when plausible; then a point or street the optional online geocoder cached for
-- the address (inside its province); otherwise the centre of the finest place it names.
with address_places as (
    select * from {{ ref('int_geo__address_places') }}
),

offices as (
    select * from {{ ref('stg_crm__offices') }}
),

checkins as (
    select * from {{ ref('int_geo__visit_checkins') }}
),

precision_levels as (
    select * from {{ ref('geo_precision_levels') }}
),

account_coordinates as (
    select * from {{ ref('int_geo__account_coordinates') }}
),

rules as (
    select * from {{ ref('travel_rules') }}
),

customer_measured as (
    select
        account_id,
        count(*) as plausible_checkins,
        median(check_in_longitude) as longitude,
        median(check_in_latitude) as latitude
    from checkins
    where is_plausible_location
    group by account_id
),

office_converted as (
    select
        office_id,
        {{ gcj02_to_wgs84_lon('cast(longitude as double)', 'cast(latitude as double)') }} as longitude,
        {{ gcj02_to_wgs84_lat('cast(longitude as double)', 'cast(latitude as double)') }} as latitude
    from offices
    where longitude is not null and latitude is not null
),

office_measured as (
    select
        office_converted.office_id,
        office_converted.longitude,
        office_converted.latitude
    from office_converted
    inner join address_places
        on
            address_places.location_type = 'office'
            and office_converted.office_id = address_places.location_id
    left join precision_levels on address_places.place_precision = precision_levels.coordinate_precision
    where
        office_converted.longitude
        between address_places.province_min_longitude and address_places.province_max_longitude
        and office_converted.latitude
        between address_places.province_min_latitude and address_places.province_max_latitude
        and (
            precision_levels.checkin_plausible_radius_km is null
            or {{ haversine_km(
                'address_places.place_longitude', 'address_places.place_latitude',
                'office_converted.longitude', 'office_converted.latitude'
            ) }} <= precision_levels.checkin_plausible_radius_km
        )
),

customer_ranked as (
    select
        address_places.location_id as account_id,
        coalesce(customer_measured.plausible_checkins, 0) as plausible_checkins,
        customer_measured.longitude as checkin_longitude,
        customer_measured.latitude as checkin_latitude,
        account_coordinates.longitude as account_longitude,
        account_coordinates.latitude as account_latitude,
        account_coordinates.account_id is not null as has_account_coordinate,
        account_coordinates.rejected_reason as account_coordinate_rejected_reason,
        coalesce(account_coordinates.is_plausible, false) as is_account_coordinate_plausible,
        coalesce(customer_measured.plausible_checkins, 0) >= rules.min_checkins_before_crm_coordinate
            as has_enough_checkins
    from address_places
    cross join rules
    left join customer_measured on address_places.location_id = customer_measured.account_id
    left join account_coordinates on address_places.location_id = account_coordinates.account_id
    where address_places.location_type = 'customer'
),

customer_chosen as (
    select
        account_id,
        plausible_checkins,
        case
            when has_enough_checkins then 'check_ins'
            when is_account_coordinate_plausible then 'crm_account_coordinates'
            when plausible_checkins > 0 then 'check_ins'
        end as coordinate_source,
        case
            when not has_account_coordinate then null
            when not is_account_coordinate_plausible then account_coordinate_rejected_reason
            when has_enough_checkins then 'check_ins_preferred'
            else 'used'
        end as account_coordinate_status,
        case
            when is_account_coordinate_plausible and plausible_checkins > 0
                then {{ haversine_km(
                    'checkin_longitude', 'checkin_latitude', 'account_longitude', 'account_latitude'
                ) }}
        end as account_coordinate_km_from_checkins,
        checkin_longitude,
        checkin_latitude,
        account_longitude,
        account_latitude
    from customer_ranked
),

measured as (
    select
        'customer' as location_type,
        account_id as location_id,
        coordinate_source,
        -- the check-ins the location is the median of
        case when coordinate_source = 'check_ins' then plausible_checkins else 0 end
            as plausible_checkins,
        account_coordinate_status,
        account_coordinate_km_from_checkins,
        case coordinate_source
            when 'check_ins' then checkin_longitude
            when 'crm_account_coordinates' then account_longitude
        end as longitude,
        case coordinate_source
            when 'check_ins' then checkin_latitude
            when 'crm_account_coordinates' then account_latitude
        end as latitude
    from customer_chosen
    union all
    select
        'office' as location_type,
        office_id as location_id,
        'crm_export' as coordinate_source,
        null as plausible_checkins,
        null as account_coordinate_status,
        null as account_coordinate_km_from_checkins,
        longitude,
        latitude
    from office_measured
),

final as (
    select
        address_places.location_type,
        address_places.location_id,
        address_places.province,
        address_places.city,
        address_places.district,
        address_places.adcode,
        coalesce(
            measured.longitude, address_places.online_longitude, address_places.place_longitude
        ) as longitude,
        coalesce(
            measured.latitude, address_places.online_latitude, address_places.place_latitude
        ) as latitude,
        case
            when measured.coordinate_source is not null then measured.coordinate_source
            when address_places.online_longitude is not null then 'online_geocoder'
            when address_places.place_precision != 'none' then 'gazetteer'
            else 'none'
        end as coordinate_source,
        case
            when measured.coordinate_source is not null then 'point'
            when address_places.online_longitude is not null then address_places.online_precision
            else address_places.place_precision
        end as coordinate_precision,
        coalesce(measured.plausible_checkins, 0) as plausible_checkins,
        measured.account_coordinate_status,
        measured.account_coordinate_km_from_checkins
    from address_places
    left join measured
        on
            address_places.location_type = measured.location_type
            and address_places.location_id = measured.location_id
)

select * from final
