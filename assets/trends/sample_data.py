"""Deterministic sample data in the exact raw format of the Tianchi / Alibaba music trend tables (2016).

`write_tianchi_sample` imitates the competition's two raw tables, both header-less, comma-separated,
ASCII, `\\n` line endings:
- `mars_tianchi_user_actions.csv`: `user_id,song_id,gmt_create,action_type,Ds`; ids are 32-hex md5 strings,
  `gmt_create` is a Unix time in seconds at hour precision, `action_type` 1 play / 2 download / 3 collect, and
  `Ds` (YYYYMMDD) is the Beijing (UTC+8) date of `gmt_create`, as in the real data (day 0 starts at
  1425139200 = 2015-03-01 00:00 UTC+8). Rows are sorted by `gmt_create`, then `user_id`.
- `mars_tianchi_songs.csv`: `song_id,artist_id,publish_time,song_init_plays,Language,Gender` with the
  competition's codes (Language 1 Mandarin, 2 Japanese, 3 Korean, 4 English, 11 Cantonese, 12 Minnan,
  14 French, 100 instrumental; Gender 1 male, 2 female, 3 group).

The period is 2015-03-01 .. 2015-08-30 (183 days); 20 artists with 5-15 songs each and about 200,000
actions. Learnable structure of the per-artist daily plays (what the trend models forecast):
- artist sizes are skewed (Zipf-like, about 10 to 300 plays a day);
- a weekly cycle (more plays midweek, fewer at the weekend) with an artist-specific amplitude;
- a slow per-artist trend (exponential drift plus a gentle seasonal wave);
- new-release spikes: a few artists publish a song inside the period (its `publish_time`), and that song's
  plays jump on the release day and decay over one to two weeks;
- downloads are 10-15 % and collects about 1 % of plays; each artist has a pool of users with a few heavy
  repeat listeners, so distinct daily listeners are about half of the plays; plays peak in the evening.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from assets.common.atomic import write_bytes_atomic

ACTIONS_FILE = "mars_tianchi_user_actions.csv"
SONGS_FILE = "mars_tianchi_songs.csv"
FIRST_DAY = dt.date(2015, 3, 1)
DAYS = 183
DAY_ZERO_EPOCH = 1_425_139_200  # 2015-03-01 00:00 in Beijing time (UTC+8)
SECONDS_PER_DAY = 86_400
PLAY, DOWNLOAD, COLLECT = 1, 2, 3

ARTISTS = 20
SONGS_PER_ARTIST = (5, 16)  # integers(low, high)
TOP_ARTIST_PLAYS = 270.0  # daily plays of the biggest artist; the others follow a Zipf law ...
ZIPF_EXPONENT = 1.1  # ... so the 20th artist has about 10 a day
RELEASING_ARTISTS = 6  # artists that publish a new song inside the period
SPIKE_HEIGHT = (3.0, 10.0)  # release-day extra plays, in multiples of the artist's base level
SPIKE_DECAY_DAYS = (5.0, 15.0)
DOWNLOAD_RATE = (0.10, 0.15)
COLLECT_RATE = 0.01
LISTENERS_PER_DAILY_PLAY = 1.2  # pool size per base daily play; with skewed activity about 2 plays a listener
# Midweek is a little busier than the weekend (as in the real per-artist aggregates), Monday first.
WEEKLY_SHAPE = np.array([0.0, 0.5, 1.0, 1.0, 0.5, -1.5, -1.5])
WEEKLY_AMPLITUDE = (0.08, 0.2)
# Beijing hour-of-day activity: quiet at night, rising through the day, peaking in the evening.
HOURLY_ACTIVITY = np.array([3, 2, 1, 1, 1, 1, 2, 4, 6, 7, 8, 8, 9, 8, 8, 8, 8, 9, 10, 12, 13, 13, 11, 6], dtype=float)
LANGUAGES = (1, 1, 1, 1, 2, 3, 4, 11, 12, 14, 100)  # Mandarin dominates, as in the competition data
GENDERS = (1, 2, 3)


@dataclass(frozen=True)
class Artist:
    """One artist's catalogue and popularity model."""

    artist_id: str
    song_ids: tuple[str, ...]
    song_weights: np.ndarray  # share of the artist's baseline plays per song
    publish_days: np.ndarray  # day index of each song's release (negative = before the period)
    daily_plays: np.ndarray  # expected plays per day, shape (DAYS,), including any release spike
    release_song: int | None  # index of the song released inside the period, if any
    spike: np.ndarray  # the release song's extra expected plays per day
    download_rate: float
    listeners: np.ndarray  # indices into the global user list
    listener_weights: np.ndarray
    language: int
    gender: int


def _hex_id(kind: str, seed: int, number: int) -> str:
    """A 32-hex id like the competition's md5 ids; derived from the seed, so it never depends on hash()."""
    return hashlib.md5(f"encore-tianchi-{kind}-{seed}-{number}".encode()).hexdigest()


def _baseline(rng: np.random.Generator, base: float, days: np.ndarray) -> np.ndarray:
    """Base level x slow trend x weekly cycle, before any release spike."""
    drift = np.exp(rng.normal(0.0, 0.35) * days / DAYS)
    wave = 1.0 + 0.08 * np.sin(2 * np.pi * (days / DAYS + rng.random()))
    weekday = np.array([(FIRST_DAY + dt.timedelta(days=int(d))).weekday() for d in days])
    weekly = 1.0 + rng.uniform(*WEEKLY_AMPLITUDE) * WEEKLY_SHAPE[weekday] / np.abs(WEEKLY_SHAPE).max()
    return base * drift * wave * weekly


def _release_spike(rng: np.random.Generator, base: float, days: np.ndarray) -> tuple[int, np.ndarray]:
    """A release day inside the period and the decaying burst of plays that follows it."""
    release_day = int(rng.integers(10, DAYS - 25))
    height = rng.uniform(*SPIKE_HEIGHT) * base
    decay = rng.uniform(*SPIKE_DECAY_DAYS)
    after = days - release_day
    spike = np.where(after >= 0, height * np.exp(-np.maximum(after, 0) / decay), 0.0)
    return release_day, spike


def _artist(rng: np.random.Generator, seed: int, number: int, base: float, releases: bool, users: int) -> Artist:
    days = np.arange(DAYS)
    song_count = int(rng.integers(*SONGS_PER_ARTIST))
    song_ids = tuple(_hex_id("song", seed, number * 100 + k) for k in range(song_count))
    song_weights = 1.0 / np.arange(1, song_count + 1) ** 0.8  # a hit or two, then a long tail
    song_weights = rng.permutation(song_weights)
    publish_days = -rng.integers(1, 5 * 365, size=song_count)
    daily = _baseline(rng, base, days)
    release_song: int | None = None
    spike = np.zeros(DAYS)
    if releases:
        release_song = int(rng.integers(song_count))
        publish_days[release_song], spike = _release_spike(rng, base, days)
    pool_size = max(15, int(base * LISTENERS_PER_DAILY_PLAY * rng.uniform(0.8, 1.25)))
    listeners = rng.choice(users, size=pool_size, replace=False)
    return Artist(
        artist_id=_hex_id("artist", seed, number),
        song_ids=song_ids,
        song_weights=song_weights,
        publish_days=publish_days,
        daily_plays=daily + spike,
        release_song=release_song,
        spike=spike,
        download_rate=float(rng.uniform(*DOWNLOAD_RATE)),
        listeners=listeners,
        listener_weights=rng.pareto(1.5, size=pool_size) + 0.2,  # a few heavy repeat listeners
        language=int(LANGUAGES[int(rng.integers(len(LANGUAGES)))]),
        gender=int(GENDERS[int(rng.integers(len(GENDERS)))]),
    )


def _artists(rng: np.random.Generator, seed: int, users: int) -> list[Artist]:
    ranks = rng.permutation(ARTISTS) + 1
    bases = TOP_ARTIST_PLAYS / ranks**ZIPF_EXPONENT * rng.lognormal(0.0, 0.1, size=ARTISTS)
    releasing = set(rng.choice(ARTISTS, size=RELEASING_ARTISTS, replace=False).tolist())
    return [_artist(rng, seed, i, float(bases[i]), i in releasing, users) for i in range(ARTISTS)]


def _song_draws(rng: np.random.Generator, artist: Artist, days: np.ndarray, from_spike: np.ndarray) -> np.ndarray:
    """The song of each action: spike actions are on the new song; the rest follow the song weights over
    the songs already published that day."""
    if artist.release_song is None:
        return rng.choice(len(artist.song_weights), size=len(days), p=artist.song_weights / artist.song_weights.sum())
    released = days >= artist.publish_days[artist.release_song]
    before = artist.song_weights.copy()
    before[artist.release_song] = 0.0
    songs = np.where(
        released,
        rng.choice(len(before), size=len(days), p=artist.song_weights / artist.song_weights.sum()),
        rng.choice(len(before), size=len(days), p=before / before.sum()),
    )
    songs[from_spike] = artist.release_song
    return songs


def _artist_actions(rng: np.random.Generator, artist: Artist, song_offset: int) -> np.ndarray:
    """All actions of one artist as rows (user, song, day, hour, action_type) of integers."""
    expected = {
        PLAY: artist.daily_plays,
        DOWNLOAD: artist.daily_plays * artist.download_rate,
        COLLECT: artist.daily_plays * COLLECT_RATE,
    }
    blocks = []
    spike_share = np.divide(artist.spike, artist.daily_plays)
    hour_p = HOURLY_ACTIVITY / HOURLY_ACTIVITY.sum()
    user_p = artist.listener_weights / artist.listener_weights.sum()
    for action_type, means in expected.items():
        counts = rng.poisson(means)
        days = np.repeat(np.arange(DAYS), counts)
        from_spike = rng.random(len(days)) < spike_share[days]
        songs = _song_draws(rng, artist, days, from_spike) + song_offset
        users = artist.listeners[rng.choice(len(user_p), size=len(days), p=user_p)]
        hours = rng.choice(24, size=len(days), p=hour_p)
        blocks.append(np.column_stack([users, songs, days, hours, np.full(len(days), action_type)]))
    return np.concatenate(blocks)


def _actions_csv(actions: np.ndarray, user_ids: list[str], song_ids: list[str]) -> bytes:
    """Sort by time then user id (ties: song id, action type) and format the header-less CSV."""
    users, songs, days, hours, types = actions.T
    gmt = DAY_ZERO_EPOCH + days * SECONDS_PER_DAY + hours * 3600
    user_rank = np.argsort(np.argsort(np.array(user_ids)))
    song_rank = np.argsort(np.argsort(np.array(song_ids)))
    order = np.lexsort((types, song_rank[songs], user_rank[users], gmt))
    ds = [(FIRST_DAY + dt.timedelta(days=d)).strftime("%Y%m%d") for d in range(DAYS)]
    lines = [
        f"{user_ids[u]},{song_ids[s]},{g},{t},{ds[d]}\n"
        for u, s, g, t, d in zip(
            users[order].tolist(),
            songs[order].tolist(),
            gmt[order].tolist(),
            types[order].tolist(),
            days[order].tolist(),
            strict=True,
        )
    ]
    return "".join(lines).encode("ascii")


def _songs_csv(rng: np.random.Generator, artists: list[Artist]) -> bytes:
    lines = []
    for artist in artists:
        for song_id, publish_day in zip(artist.song_ids, artist.publish_days.tolist(), strict=True):
            published = (FIRST_DAY + dt.timedelta(days=publish_day)).strftime("%Y%m%d")
            # Most songs start from zero; older hits carry a large count from before the data window.
            init_plays = 0 if rng.random() < 0.4 else int(rng.lognormal(6.0, 1.5))
            language = 100 if rng.random() < 0.05 else artist.language  # the odd instrumental track
            lines.append(f"{song_id},{artist.artist_id},{published},{init_plays},{language},{artist.gender}\n")
    return "".join(lines).encode("ascii")


def write_tianchi_sample(source_dir: Path, seed: int = 7) -> list[Path]:
    """Write the two raw Tianchi tables (20 artists, about 200,000 actions) into `source_dir`."""
    rng = np.random.default_rng(seed)
    user_count = 6_000
    user_ids = [_hex_id("user", seed, k) for k in range(user_count)]
    artists = _artists(rng, seed, user_count)
    song_ids = [song_id for artist in artists for song_id in artist.song_ids]
    offsets = np.cumsum([0] + [len(artist.song_ids) for artist in artists])
    actions = np.concatenate([_artist_actions(rng, a, int(offsets[i])) for i, a in enumerate(artists)])
    source_dir = Path(source_dir)
    written = [
        write_bytes_atomic(source_dir / ACTIONS_FILE, _actions_csv(actions, user_ids, song_ids)),
        write_bytes_atomic(source_dir / SONGS_FILE, _songs_csv(rng, artists)),
    ]
    return sorted(written)
