{{ config(location=var('lake_dir') ~ '/trends/artist_daily_features.parquet') }}

with

daily as (
    select * from {{ ref('artist_daily_actions') }}
),

songs as (
    select * from {{ ref('stg_songs') }}
),

moving as (
    select
        artist_id,
        day,
        plays,
        downloads,
        collects,
        listeners,
        avg(plays) over trailing_3_days as plays_mean_3d,
        var_pop(plays) over trailing_3_days as plays_variance_3d,
        cast(isodow(day) as integer) as day_of_week,
    from daily
    window trailing_3_days as (partition by artist_id order by day rows between 2 preceding and current row)
),

-- The artist's latest release on or before the day; null when no song of the artist is known
-- (always the case for the aggregated input form, which has no songs table).
latest_release as (
    select
        daily.artist_id,
        daily.day,
        max(songs.publish_day) as latest_publish_day,
    from daily
    left join songs
        on daily.artist_id = songs.artist_id
        and songs.publish_day <= daily.day
    group by daily.artist_id, daily.day
),

final as (
    select
        moving.artist_id,
        moving.day,
        moving.plays,
        moving.downloads,
        moving.collects,
        moving.listeners,
        moving.plays_mean_3d,
        moving.plays_variance_3d,
        moving.day_of_week,
        cast(moving.day - latest_release.latest_publish_day as integer) as days_since_release,
    from moving
    inner join latest_release
        on moving.artist_id = latest_release.artist_id
        and moving.day = latest_release.day
    order by moving.artist_id, moving.day
)

select * from final
