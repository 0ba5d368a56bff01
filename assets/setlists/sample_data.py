"""Deterministic sample data in the exact raw format of the phish.net setlist CSVs.

`write_phish_sample` imitates `jwenerd/phish_setlists` `data/csv/<YEAR>.csv` (phish.net API v5): one file
per calendar year, the same 19 columns in the same order, UTF-8, `\\n` line endings, pandas `to_csv`
quoting (so a `,` segue mark is written `","`), rows sorted by `showdate` then show-wide `position`.
`transition` agrees with `trans_mark` (1 `,`, 2 `>`, 3 `->`; 4 end of set 1, 5 end of a later set, 6 end of
the show, 7 end of an encore that another encore follows, each with an empty mark) and `gap` is the number
of statistics-counted (`exclude=0`) shows since the song was last played, 0 at a debut.

About 320 shows over 2009-2016 with a catalogue of about 70 songs. Learnable structure, so that a
sequence model beats most-frequent-song and bigram baselines:
- each slot has its own favourites: a few songs open set 1, a few open set 2, a few close sets, a few are
  encores;
- fixed segue chains (`Mike's Song > I Am Hydrogen > Weekapaug Groove`, `Ghost -> Piper`, ...), and
  `Tweezer` in a show brings `Tweezer Reprise` back at the end of the same show (a long-range link);
- a song is played at most once a show, and a song from one of the last two shows is rarely repeated
  (rotation), which only a model with context beyond the previous song can see;
- each show leans to one of three "moods" (jam vehicles, composed pieces, covers and ballads), so the
  songs already played predict the rest of the show;
- five songs debut only in 2015-2016 (unknown tokens to a model trained on earlier years).

The real quirks are included on purpose: two dates with two shows at different venues whose rows are mixed
by position and fully duplicated (as on the real 1993-04-01), `exclude=1` television appearances,
`Not Part of a Tour` shows, accented venue names, and apostrophes written `’` in some shows and `'` in
the others.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from assets.common.atomic import write_bytes_atomic

COLUMNS = (
    "showdate", "showyear", "exclude", "position", "transition", "set", "isjam", "isreprise", "gap",
    "tourname", "tourwhen", "song", "nickname", "is_original", "venue", "city", "state", "country",
    "trans_mark",
)  # fmt: skip
FIRST_YEAR = 2009
LAST_YEAR = 2016
DEBUT_YEAR = 2015  # the last quarter of the years: songs that debut then are unseen in earlier years
BURN_IN_SHOWS = 60  # unwritten shows before 2009, so that gaps and rotation start from a realistic state
ROTATION_WINDOW = 2  # songs from this many previous shows are rarely played again
ROTATION_FACTOR = 0.1
MOOD_BOOST = 8.0
MOOD_PROBABILITIES = (0.4, 0.35, 0.25)
ROLE_WEIGHT = 12.0  # a song in its favourite slot (opener, closer, encore) against ...
OFF_ROLE_FACTOR = 0.04  # ... a song that is not, relative to its usual weight
CURLY_APOSTROPHE_SHOWS = 0.12  # share of shows whose titles were typed with ’ instead of '
REPRISE_SHOWS = 0.03  # shows whose second set ends by reprising its opener (a same-show repeat, gap 0)
SECOND_ENCORE_SHOWS = 0.06
TWEEZER_REPRISE_IN_ENCORE = 0.85

# Segue marks drawn for songs that are not the last of their set, per kind of set.
MARKS = (",", ">", "->")
MARK_PROBABILITIES = {"1": (0.75, 0.22, 0.03), "2": (0.35, 0.5, 0.15), "e": (0.85, 0.15, 0.0)}
TRANSITION_OF_MARK = {",": 1, ">": 2, "->": 3}
END_OF_SET_ONE, END_OF_LATER_SET, END_OF_SHOW, END_OF_ENCORE = 4, 5, 6, 7

JAM, COMPOSED, COVERS = 0, 1, 2  # show moods


@dataclass(frozen=True)
class SongSpec:
    """One catalogue song: its usual weight in set 1 and in later sets, its mood and favourite slots."""

    title: str
    set1: float
    set2: float
    mood: int
    roles: str = ""  # O: opens set 1, P: opens set 2, C: closes set 1, D: closes set 2, E: encore
    nickname: str = ""
    original: bool = True
    debut: int = 0  # first year the song can be played; 0 = already in the repertoire


# fmt: off
CATALOGUE: tuple[SongSpec, ...] = (
    SongSpec("Chalk Dust Torture", 1.0, 0.6, JAM, "OD"),
    SongSpec("Kill Devil Falls", 1.0, 0.3, JAM, "O", "KDF"),
    SongSpec("AC/DC Bag", 0.8, 0.3, COMPOSED, "O"),
    SongSpec("Sample in a Jar", 0.9, 0.3, COVERS, "OE"),
    SongSpec("Runaway Jim", 0.9, 0.3, COVERS, "O"),
    SongSpec("Punch You in the Eye", 0.8, 0.2, COMPOSED, "O"),
    SongSpec("The Moma Dance", 1.0, 0.4, JAM, "O", "Moma"),
    SongSpec("Down with Disease", 0.2, 1.0, JAM, "P", "DwD"),
    SongSpec("Carini", 0.2, 0.9, JAM, "P"),
    SongSpec("Rock and Roll", 0.2, 0.9, JAM, "P", original=False),
    SongSpec("Tweezer", 0.2, 1.0, JAM, "P"),
    SongSpec("Drowned", 0.1, 0.7, JAM, "P", original=False),
    SongSpec("Tweezer Reprise", 0.0, 0.0, JAM, "", "Tweeprise"),
    SongSpec("Loving Cup", 0.0, 0.1, COVERS, "E", original=False),
    SongSpec("Good Times Bad Times", 0.1, 0.1, COVERS, "E", "GTBT", original=False),
    SongSpec("First Tube", 0.3, 0.4, JAM, "DE"),
    SongSpec("Sleeping Monkey", 0.0, 0.1, COMPOSED, "E"),
    SongSpec("Julius", 0.4, 0.2, COMPOSED, "CE"),
    SongSpec("Show of Life", 0.1, 0.1, COVERS, "E"),
    SongSpec("A Day in the Life", 0.0, 0.1, COVERS, "E", original=False),
    SongSpec("Character Zero", 0.3, 0.3, JAM, "CE"),
    SongSpec("Run Like an Antelope", 0.4, 0.6, COMPOSED, "CD", "Antelope"),
    SongSpec("David Bowie", 0.5, 0.5, COMPOSED, "C", "Bowie"),
    SongSpec("Bathtub Gin", 0.6, 0.7, JAM, "C"),
    SongSpec("Walls of the Cave", 0.5, 0.3, COMPOSED, "C"),
    SongSpec("Split Open and Melt", 0.6, 0.4, COMPOSED, "C", "Melt"),
    SongSpec("Harry Hood", 0.1, 0.8, COMPOSED, "D", "Hood"),
    SongSpec("You Enjoy Myself", 0.2, 0.7, COMPOSED, "D", "YEM"),
    SongSpec("Slave to the Traffic Light", 0.1, 0.7, COMPOSED, "D", "Slave"),
    SongSpec("Cavern", 0.3, 0.4, COVERS, "D"),
    SongSpec("Backwards Down the Number Line", 0.4, 0.6, JAM, "D"),
    SongSpec("Golgi Apparatus", 0.4, 0.3, COMPOSED, "D"),
    SongSpec("Wolfman's Brother", 0.9, 0.5, JAM, "", "Wolfman's"),
    SongSpec("Stash", 0.9, 0.4, COMPOSED),
    SongSpec("Reba", 0.9, 0.2, COMPOSED),
    SongSpec("The Divided Sky", 0.7, 0.1, COMPOSED),
    SongSpec("Foam", 0.7, 0.1, COMPOSED),
    SongSpec("Gumbo", 0.7, 0.3, JAM),
    SongSpec("Limb By Limb", 0.7, 0.2, COMPOSED),
    SongSpec("Maze", 0.8, 0.3, COMPOSED),
    SongSpec("Possum", 0.9, 0.3, COVERS),
    SongSpec("Poor Heart", 0.6, 0.1, COVERS),
    SongSpec("Ocelot", 0.8, 0.2, JAM),
    SongSpec("Funky Bitch", 0.7, 0.2, COVERS, original=False),
    SongSpec("46 Days", 0.8, 0.4, JAM),
    SongSpec("Halfway to the Moon", 0.5, 0.2, COMPOSED),
    SongSpec("Sparkle", 0.6, 0.3, COVERS),
    SongSpec("Lawn Boy", 0.6, 0.1, COVERS),
    SongSpec("Ya Mar", 0.6, 0.2, COVERS, original=False),
    SongSpec("It's Ice", 0.6, 0.2, COMPOSED),
    SongSpec("I Didn't Know", 0.4, 0.1, COVERS, "", "IDK"),
    SongSpec("Sneakin' Sally Thru the Alley", 0.4, 0.3, COVERS, "", "Sneakin' Sally", original=False),
    SongSpec("My Friend, My Friend", 0.6, 0.1, COMPOSED, "", "My Friend"),
    SongSpec("Roses Are Free", 0.3, 0.3, COVERS, original=False),
    SongSpec("Halley's Comet", 0.5, 0.3, COVERS),
    SongSpec("Bouncing Around the Room", 0.6, 0.1, COVERS),
    SongSpec("Back on the Train", 0.7, 0.2, COVERS),
    SongSpec("Wading in the Velvet Sea", 0.2, 0.5, COVERS),
    SongSpec("The Horse", 0.5, 0.1, COMPOSED),
    SongSpec("Silent in the Morning", 0.0, 0.0, COMPOSED),
    SongSpec("Colonel Forbin's Ascent", 0.3, 0.2, COMPOSED),
    SongSpec("Fly Famous Mockingbird", 0.0, 0.0, COMPOSED),
    SongSpec("Mike's Song", 0.2, 0.9, JAM, "", "Mike's"),
    SongSpec("I Am Hydrogen", 0.0, 0.0, JAM, "", "Hydrogen"),
    SongSpec("Weekapaug Groove", 0.0, 0.0, JAM, "", "Weekapaug"),
    SongSpec("Ghost", 0.2, 0.9, JAM),
    SongSpec("Piper", 0.0, 0.0, JAM),
    SongSpec("Twist", 0.3, 0.8, JAM),
    SongSpec("Simple", 0.1, 0.7, JAM),
    SongSpec("Free", 0.3, 0.8, JAM),
    SongSpec("Birds of a Feather", 0.4, 0.6, JAM, "", "BOAF"),
    SongSpec("Fluffhead", 0.4, 0.3, COMPOSED),
    SongSpec("Also Sprach Zarathustra", 0.0, 0.7, JAM, "", "2001", original=False),
    SongSpec("Waste", 0.3, 0.4, COVERS),
    SongSpec("Prince Caspian", 0.2, 0.6, COMPOSED),
    SongSpec("Sand", 0.2, 0.7, JAM),
    SongSpec("Crosseyed and Painless", 0.1, 0.5, JAM, original=False),
    SongSpec("Light", 0.2, 0.8, JAM),
    SongSpec("Blaze On", 0.9, 0.8, JAM, debut=DEBUT_YEAR),
    SongSpec("Fuego", 0.4, 1.0, JAM, "P", debut=DEBUT_YEAR),
    SongSpec("No Men in No Man's Land", 0.3, 0.9, JAM, debut=DEBUT_YEAR),
    SongSpec("Breath and Burning", 0.8, 0.2, COVERS, debut=DEBUT_YEAR),
    SongSpec("Waking Up Dead", 0.7, 0.2, COMPOSED, debut=DEBUT_YEAR),
)
# fmt: on

# Chains that are always played together: head -> [(mark after the previous song, next song), ...].
CHAINS: dict[str, tuple[tuple[str, str], ...]] = {
    "Mike's Song": ((">", "I Am Hydrogen"), (">", "Weekapaug Groove")),
    "Ghost": (("->", "Piper"),),
    "The Horse": ((">", "Silent in the Morning"),),
    "Colonel Forbin's Ascent": ((">", "Fly Famous Mockingbird"),),
}
TWEEZER, TWEEZER_REPRISE = "Tweezer", "Tweezer Reprise"


@dataclass(frozen=True)
class Venue:
    name: str
    city: str
    state: str
    country: str


# fmt: off
TOUR_VENUES: tuple[Venue, ...] = (
    Venue("Madison Square Garden", "New York", "NY", "USA"),
    Venue("Hampton Coliseum", "Hampton", "VA", "USA"),
    Venue("Alpine Valley Music Theatre", "East Troy", "WI", "USA"),
    Venue("The Gorge Amphitheatre", "George", "WA", "USA"),
    Venue("Dick's Sporting Goods Park", "Commerce City", "CO", "USA"),
    Venue("Merriweather Post Pavilion", "Columbia", "MD", "USA"),
    Venue("Deer Creek Music Center", "Noblesville", "IN", "USA"),
    Venue("Saratoga Performing Arts Center", "Saratoga Springs", "NY", "USA"),
    Venue("Bill Graham Civic Auditorium", "San Francisco", "CA", "USA"),
    Venue("Hollywood Bowl", "Hollywood", "CA", "USA"),
    Venue("Red Rocks Amphitheatre", "Morrison", "CO", "USA"),
    Venue("Centre Bell", "Montréal", "QC", "Canada"),
    Venue("Les Foufounes Électriques", "Montréal", "QC", "Canada"),
    Venue("Jones Beach Theater", "Wantagh", "NY", "USA"),
    Venue("Verizon Wireless Arena", "Manchester", "NH", "USA"),
    Venue("Nietzsche’s", "Buffalo", "NY", "USA"),
    Venue("Blossom Music Center", "Cuyahoga Falls", "OH", "USA"),
    Venue("Fox Theatre", "Atlanta", "GA", "USA"),
    Venue("Walnut Creek Amphitheatre", "Raleigh", "NC", "USA"),
    Venue("Verizon Wireless Amphitheatre", "Alpharetta", "GA", "USA"),
    Venue("Great Woods", "Mansfield", "MA", "USA"),
    Venue("Huxley’s Neue Welt", "Berlin", "", "Germany"),
    Venue("Barceló Maya Beach", "Riviera Maya", "Quintana Roo", "Mexico"),
    Venue("Hartford Civic Center", "Hartford", "CT", "USA"),
)
# fmt: on
NYE_VENUE = TOUR_VENUES[0]
FESTIVAL_VENUES = (
    Venue("New Orleans Fairgrounds", "New Orleans", "LA", "USA"),
    Venue("Watkins Glen International", "Watkins Glen", "NY", "USA"),
    Venue("Empire Polo Club", "Indio", "CA", "USA"),
)
TV_VENUE = Venue("Ed Sullivan Theater", "New York", "NY", "USA")
AFTERNOON_VENUES = (
    Venue("Gov. Tom McCall Waterfront Park", "Portland", "OR", "USA"),
    Venue("El Dorado Café", "Crested Butte", "CO", "USA"),
)
NO_TOUR = ("Not Part of a Tour", "No Tour")
TV_YEARS = (2011, 2014)  # years with an excluded television appearance, as phish.net marks them
DOUBLE_SHOW_YEARS = (2011, 2014)  # years with one date holding two shows at two venues

TITLES = tuple(spec.title for spec in CATALOGUE)
INDEX = {title: i for i, title in enumerate(TITLES)}


@dataclass(frozen=True)
class ShowSlot:
    """A show to be played: when and where, under which tour label, and what kind of show."""

    date: dt.date
    venue: Venue
    tourname: str
    tourwhen: str
    kind: str = "regular"  # regular | nye | tv (exclude=1) | afternoon (short extra show on a date)


@dataclass(frozen=True)
class Performance:
    """One song in a show, before the show-level columns are attached."""

    song: int
    set_label: str
    mark: str
    isjam: int = 0
    isreprise: int = 0


@dataclass
class History:
    """What phish.net knows when a show starts: counted shows so far and when each song was last played."""

    counted_shows: int = 0
    last_played: dict[int, int] = field(default_factory=dict)
    recent: list[set[int]] = field(default_factory=list)

    def gap(self, song: int) -> int:
        """Shows since the song was last played, counting the coming show; 0 when it was never played."""
        if song not in self.last_played:
            return 0
        return self.counted_shows + 1 - self.last_played[song]

    def record(self, songs: list[int]) -> None:
        self.counted_shows += 1
        for song in songs:
            self.last_played[song] = self.counted_shows
        self.recent = [*self.recent[-(ROTATION_WINDOW - 1) :], set(songs)]


def _role_arrays() -> dict[str, np.ndarray]:
    roles = {letter: np.array([letter in s.roles for s in CATALOGUE], dtype=bool) for letter in "OPCDE"}
    roles["set1"] = np.array([s.set1 for s in CATALOGUE])
    roles["set2"] = np.array([s.set2 for s in CATALOGUE])
    roles["mood"] = np.array([s.mood for s in CATALOGUE])
    roles["debut"] = np.array([s.debut for s in CATALOGUE])
    return roles


ROLES = _role_arrays()
# Chain tails and the reprise are only ever placed by their heads, never drawn on their own.
PLACED_ONLY = np.array(
    [
        title == TWEEZER_REPRISE or any(title == tail for chain in CHAINS.values() for _, tail in chain)
        for title in TITLES
    ]
)


def _slot_weights(set_label: str, slot: str, mood: int, year: int, history: History, played: set[int]) -> np.ndarray:
    """Unnormalised probabilities of every song for one slot of a show."""
    base = ROLES["set1"] if set_label == "1" else ROLES["set2"]
    if slot != "mid":
        role = ROLES[slot]
        weights = np.where(role, ROLE_WEIGHT, base * OFF_ROLE_FACTOR)
    else:
        weights = base.copy()
    weights = weights * np.where(ROLES["mood"] == mood, MOOD_BOOST, 1.0)
    recent = set().union(*history.recent) if history.recent else set()
    if recent:
        weights[list(recent)] *= ROTATION_FACTOR
    weights[ROLES["debut"] > year] = 0.0
    weights[PLACED_ONLY] = 0.0
    if played:
        weights[list(played)] = 0.0
    return weights


def _draw(rng: np.random.Generator, weights: np.ndarray) -> int:
    return int(rng.choice(len(weights), p=weights / weights.sum()))


def _draw_mark(rng: np.random.Generator, set_label: str) -> str:
    kind = "1" if set_label == "1" else ("e" if set_label.startswith("e") else "2")
    return MARKS[int(rng.choice(3, p=MARK_PROBABILITIES[kind]))]


def _play_set(
    rng: np.random.Generator,
    set_label: str,
    length: int,
    mood: int,
    year: int,
    history: History,
    played: set[int],
) -> list[Performance]:
    """Fill one set slot by slot; a chain head brings its whole chain, which may lengthen the set a little."""
    is_encore = set_label.startswith("e")
    opener, closer = ("E", "E") if is_encore else (("O", "C") if set_label == "1" else ("P", "D"))
    songs: list[Performance] = []
    while len(songs) < length:
        slot = opener if not songs else (closer if len(songs) == length - 1 else "mid")
        song = _draw(rng, _slot_weights(set_label, slot, mood, year, history, played))
        played.add(song)
        songs.append(Performance(song, set_label, _draw_mark(rng, set_label)))
        for mark, tail in CHAINS.get(TITLES[song], ()):
            songs[-1] = Performance(songs[-1].song, set_label, mark, songs[-1].isjam)
            played.add(INDEX[tail])
            songs.append(Performance(INDEX[tail], set_label, _draw_mark(rng, set_label)))
    return songs


def _with_jams(rng: np.random.Generator, songs: list[Performance]) -> list[Performance]:
    """Flag a few deep segues out of later-set songs as jams (phish.net flags well under 1 % of rows)."""
    return [
        Performance(p.song, p.set_label, p.mark, 1, p.isreprise)
        if p.mark == "->" and p.set_label not in ("1", "e") and rng.random() < 0.08
        else p
        for p in songs
    ]


def _play_show(rng: np.random.Generator, slot: ShowSlot, history: History) -> list[Performance]:
    """The ordered performances of one show, with the last song of each set carrying an empty mark."""
    mood = int(rng.choice(3, p=MOOD_PROBABILITIES))
    year = slot.date.year
    played: set[int] = set()
    if slot.kind == "tv":
        sets = [_play_set(rng, "1", int(rng.integers(2, 4)), mood, year, history, played)]
    elif slot.kind == "afternoon":
        sets = [_play_set(rng, "1", int(rng.integers(3, 6)), mood, year, history, played)]
    else:
        sets = [
            _play_set(rng, "1", int(rng.integers(8, 11)), mood, year, history, played),
            _play_set(rng, "2", int(rng.integers(6, 9)), mood, year, history, played),
        ]
        if slot.kind == "nye":
            sets.append(_play_set(rng, "3", int(rng.integers(4, 6)), mood, year, history, played))
        sets.append(_play_set(rng, "e", int(rng.integers(1, 3)), mood, year, history, played))
        if rng.random() < SECOND_ENCORE_SHOWS:
            sets.append(_play_set(rng, "e2", 1, mood, year, history, played))
        _add_tweezer_reprise(rng, sets, played)
        _maybe_reprise_set_two_opener(rng, sets)
    ordered: list[Performance] = []
    for songs in sets:
        *body, last = songs
        ordered.extend([*body, Performance(last.song, last.set_label, "", last.isjam, last.isreprise)])
    return _with_jams(rng, ordered)


def _add_tweezer_reprise(rng: np.random.Generator, sets: list[list[Performance]], played: set[int]) -> None:
    """`Tweezer` earlier in the show brings `Tweezer Reprise` at the end of the show or of set 2."""
    tweezer = INDEX[TWEEZER]
    if tweezer not in played:
        return
    reprise = INDEX[TWEEZER_REPRISE]
    played.add(reprise)
    tweezer_set = next(i for i, songs in enumerate(sets) if any(p.song == tweezer for p in songs))
    in_set_two = tweezer_set <= 1 and rng.random() >= TWEEZER_REPRISE_IN_ENCORE
    target = sets[1] if in_set_two else sets[-1]
    target.append(Performance(reprise, target[-1].set_label, ","))


def _maybe_reprise_set_two_opener(rng: np.random.Generator, sets: list[list[Performance]]) -> None:
    """Now and then set 2 closes by reprising its opener: the one same-show repeat (`isreprise=1`, gap 0)."""
    if rng.random() < REPRISE_SHOWS:
        sets[1].append(Performance(sets[1][0].song, "2", ",", 0, 1))


def _transition(index: int, performances: list[Performance]) -> int:
    current = performances[index]
    if current.mark:
        return TRANSITION_OF_MARK[current.mark]
    if index == len(performances) - 1:
        return END_OF_SHOW
    if current.set_label == "1":
        return END_OF_SET_ONE
    if current.set_label.startswith("e"):
        return END_OF_ENCORE
    return END_OF_LATER_SET


def _title(song: int, curly: bool) -> tuple[str, str]:
    spec = CATALOGUE[song]
    if curly:
        return spec.title.replace("'", "’"), spec.nickname.replace("'", "’")
    return spec.title, spec.nickname


def _show_rows(
    rng: np.random.Generator, slot: ShowSlot, performances: list[Performance], history: History
) -> list[dict[str, str | int]]:
    """The CSV rows of one show; gaps are read from the history before the show is recorded in it."""
    curly = bool(rng.random() < CURLY_APOSTROPHE_SHOWS)
    rows: list[dict[str, str | int]] = []
    seen: set[int] = set()
    for index, performance in enumerate(performances):
        song, nickname = _title(performance.song, curly)
        rows.append(
            {
                "showdate": slot.date.isoformat(),
                "showyear": slot.date.year,
                "exclude": int(slot.kind == "tv"),
                "position": index + 1,
                "transition": _transition(index, performances),
                "set": performance.set_label,
                "isjam": performance.isjam,
                "isreprise": performance.isreprise,
                "gap": 0 if performance.song in seen else history.gap(performance.song),
                "tourname": slot.tourname,
                "tourwhen": slot.tourwhen,
                "song": song,
                "nickname": nickname,
                "is_original": int(CATALOGUE[performance.song].original),
                "venue": slot.venue.name,
                "city": slot.venue.city,
                "state": slot.venue.state,
                "country": slot.venue.country,
                "trans_mark": performance.mark,
            }
        )
        seen.add(performance.song)
    return rows


def _tour(rng: np.random.Generator, start: dt.date, shows: int, tourname: str, tourwhen: str) -> list[ShowSlot]:
    """Consecutive tour dates with the odd day off; venues are often held for two or three nights."""
    slots: list[ShowSlot] = []
    date = start
    while len(slots) < shows:
        venue = TOUR_VENUES[int(rng.integers(1, len(TOUR_VENUES)))]
        nights = int(rng.choice([1, 2, 3], p=[0.7, 0.2, 0.1]))
        for _ in range(min(nights, shows - len(slots))):
            slots.append(ShowSlot(date, venue, tourname, tourwhen))
            date += dt.timedelta(days=1)
        date += dt.timedelta(days=int(rng.choice([0, 1, 2], p=[0.5, 0.35, 0.15])))
    return slots


def _year_calendar(rng: np.random.Generator, year: int) -> list[ShowSlot]:
    """About 40 shows: a spring festival, two summer legs, a fall tour and the New Year's run."""
    calendar: list[ShowSlot] = []
    # Distinct days: two festival shows on one date would look like a two-show date at one venue.
    for offset in sorted(rng.choice(30, size=int(rng.integers(1, 3)), replace=False).tolist()):
        venue = FESTIVAL_VENUES[int(rng.integers(len(FESTIVAL_VENUES)))]
        calendar.append(ShowSlot(dt.date(year, 4, 20) + dt.timedelta(days=offset), venue, *NO_TOUR))
    if year in TV_YEARS:
        calendar.append(ShowSlot(dt.date(year, 6, 1), TV_VENUE, *NO_TOUR, kind="tv"))
    summer = dt.date(year, 6, 5) + dt.timedelta(days=int(rng.integers(0, 10)))
    calendar += _tour(rng, summer, int(rng.integers(13, 18)), f"{year} Early Summer Tour", f"{year} Summer")
    late = dt.date(year, 8, 5) + dt.timedelta(days=int(rng.integers(0, 8)))
    calendar += _tour(rng, late, int(rng.integers(6, 10)), f"{year} Late Summer Tour", f"{year} Summer")
    fall = dt.date(year, 10, 15) + dt.timedelta(days=int(rng.integers(0, 10)))
    calendar += _tour(rng, fall, int(rng.integers(9, 13)), f"{year} Fall Tour", f"{year} Fall")
    calendar += [
        ShowSlot(
            dt.date(year, 12, day),
            NYE_VENUE,
            f"{year} NYE Run",
            f"{year} NYE",
            "nye" if day == 31 else "regular",
        )
        for day in (28, 29, 30, 31)
    ]
    if year in DOUBLE_SHOW_YEARS:
        calendar.append(_afternoon_show(rng, calendar))
    # The afternoon show sorts before the evening show of its date; sorted() is stable.
    return sorted(calendar, key=lambda slot: (slot.date, slot.kind != "afternoon"))


def _afternoon_show(rng: np.random.Generator, calendar: list[ShowSlot]) -> ShowSlot:
    """A short extra show at another venue on the date of a summer tour show (like 1993-04-01)."""
    summer = [slot for slot in calendar if slot.tourname.endswith("Early Summer Tour")]
    evening = summer[int(rng.integers(2, len(summer) - 2))]
    venue = AFTERNOON_VENUES[int(rng.integers(len(AFTERNOON_VENUES)))]
    return ShowSlot(evening.date, venue, *NO_TOUR, kind="afternoon")


def _burn_in(rng: np.random.Generator) -> History:
    """Play unwritten shows before the first year so 2009 starts with real gaps and a rotation."""
    history = History()
    for _ in range(BURN_IN_SHOWS):
        slot = ShowSlot(dt.date(FIRST_YEAR - 1, 1, 1), TOUR_VENUES[1], *NO_TOUR)
        history.record([p.song for p in _play_show(rng, slot, history)])
    return history


def _duplicate_double_show_dates(frame: pd.DataFrame) -> pd.DataFrame:
    """The scraper fetched a date once per show: a two-show date's rows appear twice, mixed by position."""
    shows_per_date = frame.groupby("showdate")["venue"].transform("nunique")
    doubled = frame[shows_per_date > 1]
    return pd.concat([frame[shows_per_date == 1], doubled, doubled], ignore_index=True)


def _setlist_frame(rng: np.random.Generator) -> pd.DataFrame:
    history = _burn_in(rng)
    rows: list[dict[str, str | int]] = []
    for year in range(FIRST_YEAR, LAST_YEAR + 1):
        for slot in _year_calendar(rng, year):
            performances = _play_show(rng, slot, history)
            rows += _show_rows(rng, slot, performances, history)
            if slot.kind != "tv":  # phish.net leaves excluded shows out of gaps
                history.record([p.song for p in performances])
    frame = _duplicate_double_show_dates(pd.DataFrame(rows, columns=list(COLUMNS)))
    # A stable sort keeps a date's shows in fetch order inside each position, as in the real files.
    frame["_position"] = frame["position"].astype(int)
    frame = frame.sort_values(["showdate", "_position"], kind="stable").drop(columns="_position")
    return frame.astype(str)


def write_phish_sample(source_dir: Path, seed: int = 7) -> list[Path]:
    """Write `<YEAR>.csv` for 2009-2016 into `source_dir` (about 320 shows); return the sorted paths."""
    source_dir = Path(source_dir)
    source_dir.mkdir(parents=True, exist_ok=True)
    frame = _setlist_frame(np.random.default_rng(seed))
    written: list[Path] = []
    for year, rows in frame.groupby("showyear", sort=True):
        payload = rows.to_csv(index=False, lineterminator="\n").encode("utf-8")
        written.append(write_bytes_atomic(source_dir / f"{year}.csv", payload))
    return sorted(written)
