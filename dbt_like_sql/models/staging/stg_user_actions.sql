with

source as (
    select * from {{ source('tianchi', 'user_actions') }}
),

final as (
    select
        user_id,
        song_id,
        to_timestamp(gmt_create) as action_time,
        cast(action_type as integer) as action_type,
        cast(action_day as date) as action_day,
    from source
)

select * from final
