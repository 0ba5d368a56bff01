with

source as (
    select * from {{ source('tianchi', 'artist_daily_aggregates') }}
),

final as (
    select
        artist_id,
        cast(day as date) as day,
        cast(plays as bigint) as plays,
        cast(downloads as bigint) as downloads,
        cast(collects as bigint) as collects,
        cast(listeners as bigint) as listeners,
    from source
)

select * from final
