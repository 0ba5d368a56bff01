"""The songdata.csv sample: exact LyricsFreak/Kaggle bytes, cleaning quirks, and artist-specific text."""

from __future__ import annotations

import csv
import io
import re
from collections import Counter
from itertools import combinations
from pathlib import Path

import pytest

from assets.lyrics.sample_data import write_lyrics_sample

HEADER = ["artist", "song", "link", "text"]
LINK = re.compile(r"^/a/[a-z0-9+]+/[a-z0-9+]+_\d{8}\.html$")


@pytest.mark.real_data
def test_the_sample_header_is_the_real_files_header(real_data_root: Path) -> None:
    with (real_data_root / "lyrics" / "songdata.csv").open(newline="", encoding="utf-8") as handle:
        assert next(csv.reader(handle)) == HEADER


def _records(raw: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(raw.decode("utf-8"), newline="")))


def _words(text: str) -> set[str]:
    return set(re.findall(r"[a-z']+", text.lower()))


@pytest.fixture(scope="module")
def raw(tmp_path_factory: pytest.TempPathFactory) -> bytes:
    (path,) = write_lyrics_sample(tmp_path_factory.mktemp("lyrics"), seed=7)
    assert path.name == "songdata.csv"
    return path.read_bytes()


@pytest.fixture(scope="module")
def songs(raw: bytes) -> list[list[str]]:
    header, *body = _records(raw)
    assert header == HEADER
    return body


def test_same_seed_gives_identical_bytes_and_another_seed_differs(tmp_path: Path) -> None:
    (first,) = write_lyrics_sample(tmp_path / "a", seed=7)
    (second,) = write_lyrics_sample(tmp_path / "b", seed=7)
    (other,) = write_lyrics_sample(tmp_path / "c", seed=8)
    assert first.read_bytes() == second.read_bytes()
    assert first.read_bytes() != other.read_bytes()
    assert [p.name for p in (tmp_path / "a").iterdir()] == ["songdata.csv"]  # no temp file left behind


def test_records_end_in_crlf_and_lines_inside_text_in_lf(raw: bytes, songs: list[list[str]]) -> None:
    assert raw.startswith(b"artist,song,link,text\r\n")
    assert raw.endswith(b"\r\n")
    assert raw.count(b"\r\n") == len(songs) + 1  # only record ends are CRLF
    assert raw.count(b"\r") == raw.count(b"\r\n")
    assert all(len(record) == 4 and "\r" not in "".join(record) for record in songs)
    buffer = io.StringIO(newline="")
    csv.writer(buffer, lineterminator="\r\n").writerows([HEADER, *songs])
    assert buffer.getvalue().encode("utf-8") == raw  # minimal quoting, exactly as the real file


def test_text_is_quoted_and_laid_out_like_lyricsfreak(raw: bytes, songs: list[list[str]]) -> None:
    for artist, _, link, text in songs:
        if not text:
            continue
        assert f',"{text.replace(chr(34), 2 * chr(34))}"\r\n'.encode() in raw
        assert text.endswith("\n\n") and not text.endswith("\n\n\n")
        lines = text[:-2].split("\n")
        assert all(line.endswith("  ") for line in lines[:-1])
        assert not lines[-1].endswith(" ")
        assert "  \n  \n" in text  # stanza breaks
        assert LINK.match(link), link
        assert link.startswith(f"/a/{artist.lower().replace(' ', '+')}/")
    assert any('"' in text for *_, text in songs)  # a doubled quote inside a lyric
    assert any("," in title for _, title, _, _ in songs)  # a quoted title


def test_size_matches_the_brief(songs: list[list[str]]) -> None:
    artists = Counter(artist for artist, *_ in songs)
    lengths = [len(text) for *_, text in songs if text]
    assert len(artists) == 6
    assert all(20 <= count <= 30 for count in artists.values())
    assert 130 <= len(songs) <= 175
    assert min(lengths) >= 400 and max(lengths) <= 900
    assert sum(lengths) <= 90_000
    assert [(a, t.lower()) for a, t, *_ in songs] == sorted((a, t.lower()) for a, t, *_ in songs)


def test_cleaning_quirks_are_present(songs: list[list[str]]) -> None:
    assert sum(1 for *_, text in songs if text == "") == 1
    same_text = Counter((artist, text) for artist, _, _, text in songs if text)
    duplicated = [key for key, count in same_text.items() if count > 1]
    assert len(duplicated) == 2
    for artist, text in duplicated:
        titles = {title for a, title, _, t in songs if (a, t) == (artist, text)}
        assert len(titles) == 2
    assert len({link for _, _, link, _ in songs}) == len(songs)


def test_choruses_repeat_within_a_song(songs: list[list[str]]) -> None:
    title_in_chorus = 0
    lyrics = [(title, text) for _, title, _, text in songs if text]
    for title, text in lyrics:
        lines = Counter(line.strip() for line in text.split("\n") if len(line.strip()) > 12)
        repeated = [line for line, count in lines.items() if count >= 2]
        assert len(repeated) >= 2, title
        title_in_chorus += any(title in line for line in repeated)
    assert title_in_chorus >= len(lyrics) - 2  # the two re-filed duplicates carry another song's chorus


def test_each_artist_has_its_own_vocabulary(songs: list[list[str]]) -> None:
    def jaccard(a: set[str], b: set[str]) -> float:
        return len(a & b) / len(a | b)

    vocab = [(artist, _words(text)) for artist, _, _, text in songs if text]
    within = [jaccard(a, b) for (x, a), (y, b) in combinations(vocab, 2) if x == y]
    across = [jaccard(a, b) for (x, a), (y, b) in combinations(vocab, 2) if x != y]
    assert sum(within) / len(within) > 2 * sum(across) / len(across)
    # Nearest-artist by shared words, leaving the song out: the artist is predictable from the text.
    profiles = {artist: Counter() for artist, _ in vocab}
    for artist, words in vocab:
        profiles[artist].update(words)
    correct = 0
    for artist, words in vocab:
        scores = {
            name: sum((profile[w] - (name == artist)) / sum(profile.values()) for w in words)
            for name, profile in profiles.items()
        }
        correct += max(scores, key=scores.__getitem__) == artist
    assert correct / len(vocab) > 0.9
