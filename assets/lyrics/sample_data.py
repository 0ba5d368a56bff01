"""Deterministic sample data in the exact raw format of the Kaggle "55000+ Song Lyrics" `songdata.csv`.

`write_lyrics_sample` imitates the LyricsFreak scrape: header `artist,song,link,text`, Python `csv`
minimal quoting (a field is quoted only when it holds a comma, quote or line break, so `text` is always
quoted and a `"` inside it is doubled), records ending in CRLF, LF line breaks inside `text`, every lyric
line but the last ending in two spaces, stanzas separated by a `"  "` line, each text ending in `\\n\\n`,
links like `/a/abba/ahes+my+kind+of+girl_20598417.html`, rows sorted by artist then title (the real file
is alphabetical).

Six artists (all starting with "A", as the real prefix subset does) with 22-27 songs each, 400-900
characters per song and under 90,000 characters in all. Learnable structure:
- each artist sings about its own world with its own vocabulary, stock phrases and way of addressing the
  listener (roads and trains, love and hearts, the sea, faith and mountains, city nights, farm life), so
  an artist-conditioned model can exploit the artist and songs of one artist share far more words than
  songs of two artists;
- every song repeats its chorus word for word two or three times and the title sits in the chorus, so a
  character model with memory beats a bigram model.

Cleaning code gets something to remove: two songs are exact duplicates of another song of the same artist
under a different title, and one record has an empty `text`.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from assets.common.atomic import write_bytes_atomic

FILE_NAME = "songdata.csv"
HEADER = ("artist", "song", "link", "text")
SONGS_PER_ARTIST = (22, 28)  # integers(low, high): 22-27 songs
TEXT_LENGTH = (340, 520)  # target lyric length in characters, before the last stanza is finished
MIN_TEXT, MAX_TEXT = 400, 900
DUPLICATED_SONGS = 2
LINK_ID_RANGE = (20_000_000, 21_200_000)  # the LyricsFreak ids in the real file fall in this range
LINE_END = "  \n"  # LyricsFreak ends every line but the last with two spaces


@dataclass(frozen=True)
class ArtistStyle:
    """What an artist sings about: words for the templates, stock lines, and who they sing to."""

    name: str
    nouns: tuple[str, ...]
    places: tuple[str, ...]
    adjectives: tuple[str, ...]
    verbs: tuple[str, ...]  # base form, "I ___ the ..."
    gerunds: tuple[str, ...]  # "I'll be ___ ..."
    addresses: tuple[str, ...]
    signatures: tuple[str, ...]  # the artist's stock lines, reused across songs
    filler: str  # the artist's vocal filler at the end of a chorus


# fmt: off
ARTISTS: tuple[ArtistStyle, ...] = (
    ArtistStyle(
        "Amber Rail",
        ("train", "whistle", "highway", "freight", "engine", "ticket", "boxcar", "diesel", "mile"),
        ("the station", "the crossing", "the county line", "the railroad yard", "the depot", "the open road"),
        ("lonesome", "rolling", "iron", "dusty", "westbound", "rusty", "midnight"),
        ("ride", "follow", "hear", "chase", "miss", "leave"),
        ("rolling", "riding", "waiting", "drifting", "hitching"),
        ("mama", "brother", "conductor"),
        (
            "The wheels keep turning down the line",
            "Ninety miles of gravel and a whistle in the rain",
            "I left my name at every station on the way",
            "Another town, another empty platform",
            "The engine sings a song I used to know",
        ),
        "Whoo-hoo, down the line",
    ),
    ArtistStyle(
        "Annie Lark",
        ("heart", "kiss", "love", "heartbeat", "valentine", "promise", "rose", "sweetheart"),
        ("your arms", "the dance floor", "my dreams", "the moonlight", "your eyes"),
        ("sweet", "tender", "true", "broken", "golden", "crazy", "little"),
        ("hold", "need", "kiss", "love", "miss", "want"),
        ("falling", "dreaming", "dancing", "longing", "loving"),
        ("baby", "darling", "honey"),
        (
            "My heart beats only for you",
            "Say you love me, say you'll stay",
            "Every kiss is a promise you keep",
            "Hold me close and never let me go",
            "I gave my heart away tonight",
        ),
        "Ooh baby, ooh",
    ),
    ArtistStyle(
        "Atlantic Drift",
        ("tide", "wave", "anchor", "sail", "lighthouse", "harbour", "gull", "compass", "current"),
        ("the shore", "the open sea", "the harbour wall", "the deep", "the salty bay", "the horizon"),
        ("salty", "restless", "silver", "stormy", "endless", "blue", "cold"),
        ("sail", "follow", "cross", "hear", "watch", "ride"),
        ("sailing", "drifting", "rowing", "sinking", "waiting"),
        ("sailor", "captain", "my love"),
        (
            "The waves roll in and the waves roll out",
            "Salt on my lips and the wind in the sails",
            "The lighthouse burns across the water",
            "Heave away, the tide is turning",
            "Out where the gulls cry over the foam",
        ),
        "Heave ho, away we go",
    ),
    ArtistStyle(
        "Ash Hollow Choir",
        ("grace", "glory", "prayer", "light", "mountain", "river", "morning", "angel", "hymn"),
        ("the mountain", "the valley", "the river side", "the chapel", "the promised land", "heaven's gate"),
        ("holy", "gentle", "shining", "humble", "ancient", "morning"),
        ("praise", "follow", "carry", "seek", "trust", "lift"),
        ("singing", "praying", "climbing", "kneeling", "rising"),
        ("Lord", "brother", "sister"),
        (
            "Lay me down by the river of grace",
            "The morning light is calling me home",
            "We will rise up on the mountain",
            "Sing hallelujah, the darkness is gone",
            "The preacher said \"the light will lead you home\"",
        ),
        "Hallelujah, amen",
    ),
    ArtistStyle(
        "Arcade Neon",
        ("neon", "signal", "radio", "skyline", "static", "taxi", "headlight", "pulse", "satellite"),
        ("the city", "downtown", "the boulevard", "the rooftop", "the underground", "the club"),
        ("electric", "neon", "glowing", "midnight", "chrome", "restless", "digital"),
        ("chase", "feel", "tune", "light", "dance", "follow"),
        ("dancing", "spinning", "glowing", "running", "flashing"),
        ("tonight", "stranger", "city girl"),
        (
            "The city never sleeps and neither do I",
            "Turn up the radio and let the static ring",
            "Neon lights are bleeding on the boulevard",
            "We're dancing on the edge of the skyline",
            "Electric hearts beat on the avenue",
        ),
        "Oh-oh-oh, electric",
    ),
    ArtistStyle(
        "Alvin Acre",
        ("harvest", "tractor", "barn", "wheat", "cornfield", "fence", "porch", "pickup", "rooster"),
        ("the county fair", "the back forty", "the old barn", "the creek bed", "the dirt road"),
        ("golden", "dusty", "sunburnt", "muddy", "old", "green"),
        ("plow", "plant", "drive", "mend", "raise", "gather"),
        ("plowing", "planting", "hauling", "fixing", "working"),
        ("daddy", "neighbour", "Lord"),
        (
            "The sun comes up over the wheat",
            "Dust on my boots and dirt on my hands",
            "We'll bring the harvest in before the rain",
            "Sitting on the porch when the work is done",
            "That old tractor runs on faith and a prayer",
        ),
        "Yeehaw, bring it home",
    ),
)
# fmt: on

# Shared templates give every artist the same function words; only the slot words differ by artist.
VERSE_TEMPLATES = (
    "I {verb} the {adjective} {noun} down to {place}",
    "{Adjective} {noun} and a {adjective} {noun}",
    "Oh, the {noun} is {adjective} tonight",
    "You {verb} me all the way to {place}",
    "Take me back to {place}, {address}",
    "Every {noun} I {verb} is {adjective}",
    "And I'll be {gerund} till the {noun} is gone",
    "Don't you {verb} the {noun}, {address}?",
    "There's a {adjective} {noun} waiting at {place}",
    "{Gerund} through {place} with a {noun} in my hand",
)
CHORUS_TEMPLATES = (
    "{title}, {address}, {title}",
    "I'll be {gerund} to {place}",
    "{title} is all I {verb}",
    "Oh, {title}",
)


def _fill(template: str, rng: np.random.Generator, style: ArtistStyle, title: str = "") -> str:
    """Fill one template with words drawn from the artist's vocabulary."""

    def pick(words: tuple[str, ...]) -> str:
        return words[int(rng.integers(len(words)))]

    slots = {
        "noun": style.nouns,
        "place": style.places,
        "adjective": style.adjectives,
        "verb": style.verbs,
        "gerund": style.gerunds,
        "address": style.addresses,
    }

    def replace(match: re.Match[str]) -> str:
        name = match.group(1)
        if name == "title":
            return title
        word = pick(slots[name.lower()])
        return word[0].upper() + word[1:] if name[0].isupper() else word

    line = re.sub(r"\{(\w+)\}", replace, template)
    return line[0].upper() + line[1:]


def _verse(rng: np.random.Generator, style: ArtistStyle, lines: int, used: set[str]) -> list[str]:
    """Verse lines: mostly shared templates, with one of the artist's stock lines now and then.

    A verse line is never repeated within a song (`used`), so the only exact repeats are the chorus.
    """
    verse: list[str] = []
    while len(verse) < lines:
        if rng.random() < 0.3:
            line = style.signatures[int(rng.integers(len(style.signatures)))]
        else:
            line = _fill(VERSE_TEMPLATES[int(rng.integers(len(VERSE_TEMPLATES)))], rng, style)
        if line not in used:
            used.add(line)
            verse.append(line)
    return verse


def _chorus(rng: np.random.Generator, style: ArtistStyle, title: str) -> list[str]:
    """A chorus built around the title; the same lines come back word for word later in the song."""
    order = rng.permutation(len(CHORUS_TEMPLATES))[: int(rng.integers(2, 4))]
    lines = [_fill(CHORUS_TEMPLATES[i], rng, style, title) for i in sorted(order)]
    return [*lines, style.filler]


def _title(rng: np.random.Generator, style: ArtistStyle, taken: set[str]) -> str:
    """A title in LyricsFreak's capitalisation, unique within the artist."""
    while True:
        form = int(rng.integers(4))
        adjective = style.adjectives[int(rng.integers(len(style.adjectives)))]
        noun = style.nouns[int(rng.integers(len(style.nouns)))]
        place = style.places[int(rng.integers(len(style.places)))]
        # The doubled form ("Andante, Andante") puts a comma in the title, which the CSV must quote.
        raw = (f"{adjective} {noun}", f"{noun} to {place}", f"back to {place}", f"{noun}, {noun}")[form]
        title = " ".join(word[0].upper() + word[1:] for word in raw.split())
        if title not in taken:
            taken.add(title)
            return title


def _join(stanzas: list[list[str]]) -> str:
    """LyricsFreak layout: `"  \\n"` after each line, a `"  "` line between stanzas, `\\n\\n` at the end."""
    lines: list[str] = []
    for index, stanza in enumerate(stanzas):
        if index:
            lines.append("")
        lines.extend(stanza)
    return LINE_END.join(lines) + "\n\n"


def _lyrics(rng: np.random.Generator, style: ArtistStyle, title: str) -> str:
    """Verse, chorus, verse, chorus, then a bridge or more chorus until the target length is reached."""
    target = int(rng.integers(*TEXT_LENGTH))
    chorus = _chorus(rng, style, title)
    used = set(chorus)
    stanzas = [_verse(rng, style, 4, used), chorus, _verse(rng, style, 4, used), chorus]
    while len(_join(stanzas)) < max(target, MIN_TEXT):
        stanzas += [_verse(rng, style, 2, used), chorus] if rng.random() < 0.5 else [chorus]
    while len(_join(stanzas)) > MAX_TEXT:
        stanzas.pop(-2)  # drop a middle stanza; the song still ends on its chorus
    return _join(stanzas)


def _slug(text: str) -> str:
    """LyricsFreak path part: lower case, punctuation dropped, words joined by `+`."""
    words = re.sub(r"[^a-z0-9 ]+", " ", text.lower().replace("'", "")).split()
    return "+".join(words)


def _link(artist: str, title: str, link_id: int) -> str:
    return f"/{artist[0].lower()}/{_slug(artist)}/{_slug(title)}_{link_id}.html"


def _songs(rng: np.random.Generator) -> list[tuple[str, str, str]]:
    """(artist, title, text) for every artist, plus the duplicates and the empty record."""
    songs: list[tuple[str, str, str]] = []
    titles: dict[str, set[str]] = {style.name: set() for style in ARTISTS}
    for style in ARTISTS:
        for _ in range(int(rng.integers(*SONGS_PER_ARTIST))):
            title = _title(rng, style, titles[style.name])
            songs.append((style.name, title, _lyrics(rng, style, title)))
    # The same lyrics filed a second time under another title, as near-duplicates are in the real file.
    styles = {style.name: style for style in ARTISTS}
    for index in rng.choice(len(songs), size=DUPLICATED_SONGS, replace=False):
        artist, _, text = songs[int(index)]
        songs.append((artist, _title(rng, styles[artist], titles[artist]), text))
    empty_artist = ARTISTS[int(rng.integers(len(ARTISTS)))]
    songs.append((empty_artist.name, _title(rng, empty_artist, titles[empty_artist.name]), ""))
    return sorted(songs, key=lambda song: (song[0].lower(), song[1].lower()))


def _csv_bytes(songs: list[tuple[str, str, str]], rng: np.random.Generator) -> bytes:
    link_ids = rng.choice(np.arange(*LINK_ID_RANGE), size=len(songs), replace=False)
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, lineterminator="\r\n")  # minimal quoting reproduces the real file's bytes
    writer.writerow(HEADER)
    for (artist, title, text), link_id in zip(songs, link_ids, strict=True):
        writer.writerow((artist, title, _link(artist, title, int(link_id)), text))
    return buffer.getvalue().encode("utf-8")


def write_lyrics_sample(source_dir: Path, seed: int = 7) -> list[Path]:
    """Write `songdata.csv` (about 150 songs by six artists) into `source_dir`; return its path in a list."""
    rng = np.random.default_rng(seed)
    payload = _csv_bytes(_songs(rng), rng)
    return [write_bytes_atomic(Path(source_dir) / FILE_NAME, payload)]
