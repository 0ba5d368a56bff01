"""The Kneser-Ney character n-gram: a proper distribution, the hand formula, and patterns a bigram misses."""

import numpy as np
import pytest

from assets.lyrics.kneser_ney import KneserNeyLM, fit_tuned_kneser_ney
from assets.lyrics.metrics import NgramBaseline

SIZE = 6  # start, end, unknown, then three characters 3, 4, 5


def _song(body: list[int]) -> np.ndarray:
    return np.asarray([0, *body, 1], dtype=np.int32)


def _patterned_songs(count: int, seed: int) -> list[np.ndarray]:
    """The token after two others is fixed (3 3 -> 4, 3 4 -> 5, 4 5 -> 3, ...): a bigram cannot know it."""
    follow = {(3, 3): 4, (3, 4): 5, (4, 5): 3, (5, 3): 3, (4, 3): 3, (5, 4): 4, (3, 5): 5, (5, 5): 3, (4, 4): 5}
    rng = np.random.default_rng(seed)
    songs = []
    for _ in range(count):
        body = list(rng.choice([3, 4, 5], size=2))
        while len(body) < 30:
            body.append(follow[(body[-2], body[-1])])
        songs.append(_song(body))
    return songs


@pytest.mark.parametrize("history", [[0, 3, 4], [5, 5, 5], [2, 2, 2]])
def test_probabilities_of_every_next_token_sum_to_one(history: list[int]) -> None:
    model = KneserNeyLM(4, 0.7, SIZE).fit(_patterned_songs(5, seed=0))
    grams = np.array([[*history, token] for token in range(SIZE)])
    assert model.probabilities_of_grams(grams).sum() == pytest.approx(1.0)


def test_a_unigram_matches_the_hand_formula() -> None:
    model = KneserNeyLM(1, 0.5, SIZE).fit([_song([3, 3, 4])])  # targets 3, 3, 4, end: 4 tokens, 3 types
    expected = {3: (2 - 0.5) / 4, 4: (1 - 0.5) / 4, 1: (1 - 0.5) / 4, 5: 0.0}
    probabilities = model.probabilities_of_grams(np.arange(SIZE)[:, None])
    for token, value in expected.items():
        assert probabilities[token] == pytest.approx(value + 0.5 * 3 / 4 / SIZE)


def test_it_learns_a_two_token_pattern_the_bigram_cannot() -> None:
    train, test = _patterned_songs(40, seed=1), _patterned_songs(10, seed=2)
    bigram = NgramBaseline(2, SIZE).fit(train).score(test).bits_per_char()
    kneser_ney = KneserNeyLM(3, 0.7, SIZE).fit(train).score(test).bits_per_char()
    assert kneser_ney < 0.5 * bigram


def test_tuning_chooses_by_the_valid_songs() -> None:
    model, tried = fit_tuned_kneser_ney(
        _patterned_songs(40, seed=1), _patterned_songs(10, seed=3), SIZE, orders=(2, 3), discounts=(0.5, 0.9)
    )
    assert model.order == 3 and len(tried) == 4
    assert tried[f"order {model.order}, discount {model.discount}"] == min(tried.values())


def test_bad_settings_and_inputs_are_refused() -> None:
    with pytest.raises(ValueError, match="discount"):
        KneserNeyLM(3, 1.0, SIZE)
    with pytest.raises(ValueError, match="int64"):
        KneserNeyLM(9, 0.5, 200)
    with pytest.raises(ValueError, match="valid songs"):
        fit_tuned_kneser_ney(_patterned_songs(3, seed=0), [], SIZE)
    with pytest.raises(ValueError, match="fit the model"):
        KneserNeyLM(3, 0.5, SIZE).score([_song([3])])
