with

source as (
    select * from {{ source('tianchi', 'songs') }}
),

final as (
    select
        song_id,
        artist_id,
        cast(publish_day as date) as publish_day,
        cast(song_init_plays as bigint) as song_init_plays,
        cast(language as integer) as language,
        cast(gender as integer) as gender,
    from source
)

select * from final
