{{ config(location=var('lake_dir') ~ '/trends/artist_daily_actions.parquet') }}

with

user_actions as (
    select * from {{ ref('stg_user_actions') }}
),

songs as (
    select * from {{ ref('stg_songs') }}
),

aggregates as (
    select * from {{ ref('stg_artist_daily_aggregates') }}
),

-- Actions whose song is unknown cannot be given an artist; the relationships test on
-- stg_user_actions reports them.
actions_per_artist_day as (
    select
        songs.artist_id,
        user_actions.action_day as day,
        count(*) filter (where user_actions.action_type = 1) as plays,
        count(*) filter (where user_actions.action_type = 2) as downloads,
        count(*) filter (where user_actions.action_type = 3) as collects,
        count(distinct user_actions.user_id) filter (where user_actions.action_type = 1) as listeners,
    from user_actions
    inner join songs on user_actions.song_id = songs.song_id
    group by songs.artist_id, user_actions.action_day
),

-- Either input form enters here; an artist-day present in both would break the unique test.
observed as (
    select artist_id, day, plays, downloads, collects, listeners from actions_per_artist_day
    union all
    select artist_id, day, plays, downloads, collects, listeners from aggregates
),

calendar as (
    select cast(unnest(generate_series(min(day), max(day), interval 1 day)) as date) as day
    from observed
),

artists as (
    select distinct artist_id from observed
),

final as (
    select
        artists.artist_id,
        calendar.day,
        cast(coalesce(observed.plays, 0) as bigint) as plays,
        cast(coalesce(observed.downloads, 0) as bigint) as downloads,
        cast(coalesce(observed.collects, 0) as bigint) as collects,
        cast(coalesce(observed.listeners, 0) as bigint) as listeners,
    from artists
    cross join calendar
    left join observed
        on artists.artist_id = observed.artist_id
        and calendar.day = observed.day
    order by artists.artist_id, calendar.day
)

select * from final
