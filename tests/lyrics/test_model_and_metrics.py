"""Model building, the NumPy sampler against Keras, bits-per-character scorers and the n-gram baselines."""

import math
from pathlib import Path

import numpy as np
import pytest

from assets.common.tfrecords import write_shards
from assets.lyrics.metrics import NgramBaseline, distinct_ngram_ratio, score_songs_with_model
from assets.lyrics.model import ModelSettings, _window_batches, build_model, stateless_copy
from assets.lyrics.sampling import CharLM, sample, samples_table
from assets.lyrics.vocabulary import build_vocabulary
from assets.lyrics.windows import build_streams, window_examples, window_parser

keras = pytest.importorskip("keras")

SETTINGS = ModelSettings(embedding_dim=4, artist_embedding_dim=3, lstm_units=8)
VOCABULARY = build_vocabulary(["hello world", "why well"], ["A", "B"])


def test_ngram_baselines_use_add_one_smoothing() -> None:
    songs = [np.array([0, 3, 3, 4, 1])]  # start, a, a, b, end with 5 tokens in the vocabulary
    unigram = NgramBaseline(1, 5).fit(songs)
    assert unigram.counts.tolist() == [0, 1, 0, 2, 1]
    expected = -(math.log2(3 / 9) + math.log2(2 / 9) + math.log2(2 / 9)) / 3  # targets a, b, end
    assert unigram.score([np.array([0, 3, 4, 1])]).bits_per_char() == pytest.approx(expected)
    bigram = NgramBaseline(2, 5).fit(songs)
    # P(a|start) = (1+1)/(1+5), P(end|a) = (0+1)/(2+5)
    expected = -(math.log2(2 / 6) + math.log2(1 / 7)) / 2
    assert bigram.score([np.array([0, 3, 1])]).bits_per_char() == pytest.approx(expected)


def test_ngram_order_is_validated() -> None:
    with pytest.raises(ValueError, match="order must be 1"):
        NgramBaseline(3, 5)


@pytest.mark.parametrize(("text", "ratio"), [("aaaaaa", 0.25), ("abcdef", 1.0), ("abcabc", 0.75)])
def test_distinct_ngram_ratio(text: str, ratio: float) -> None:
    assert distinct_ngram_ratio(text, 3) == pytest.approx(ratio)


def test_distinct_ngram_ratio_needs_enough_text() -> None:
    with pytest.raises(ValueError, match="no 3-grams"):
        distinct_ngram_ratio("ab", 3)


@pytest.mark.parametrize(("artist_count", "dropout"), [(0, 0.0), (2, 0.0), (2, 0.5)])
def test_stateful_and_stateless_models_share_weights_and_outputs(artist_count: int, dropout: float) -> None:
    """Also with dropout on the LSTM outputs: it is a training-time layer without weights, so the stateless
    copy (and the NumPy sampler, which reads the same weights) predicts exactly as the trained model."""
    keras.utils.set_random_seed(0)
    settings = SETTINGS.model_copy(update={"dropout": dropout})
    stateful = build_model(VOCABULARY.size, settings, artist_count, batch_size=2, window=5, stateful=True)
    assert any(layer.name == "output_dropout" for layer in stateful.layers) is bool(dropout)
    copy = stateless_copy(stateful)
    characters = np.array([[0, 4, 5, 6, 7], [0, 7, 6, 5, 4]], dtype=np.int32)
    feed = characters if not artist_count else {"characters": characters, "artists": np.ones_like(characters)}
    np.testing.assert_allclose(stateful.predict_on_batch(feed), copy.predict_on_batch(feed), atol=1e-6)


def test_a_stateful_model_needs_a_batch_size() -> None:
    with pytest.raises(ValueError, match="fixed batch_size"):
        build_model(VOCABULARY.size, SETTINGS, stateful=True)


def test_the_numpy_sampler_steps_exactly_like_keras() -> None:
    keras.utils.set_random_seed(1)
    model = build_model(VOCABULARY.size, SETTINGS, artist_count=2)
    song = VOCABULARY.encode("why well")
    artists = np.full((1, len(song)), 1, dtype=np.int32)
    logits = model.predict_on_batch({"characters": song[None, :], "artists": artists})[0]
    char_lm = CharLM.from_keras(model, VOCABULARY)
    state = char_lm.zero_state()
    for position, token in enumerate(song):
        step_logits, state = char_lm.step(int(token), state, 1)
        np.testing.assert_allclose(step_logits, logits[position], atol=1e-4)


def test_model_scores_match_a_hand_computation() -> None:
    keras.utils.set_random_seed(2)
    model = build_model(VOCABULARY.size, SETTINGS)
    songs = [VOCABULARY.encode("hello"), VOCABULARY.encode("why well world")]
    scores = score_songs_with_model(model, songs, batch_size=1)
    logits = model.predict_on_batch(songs[0][None, :-1])[0].astype(np.float64)
    log_probs = logits - np.log(np.exp(logits).sum(axis=1, keepdims=True))
    expected = -log_probs[np.arange(len(songs[0]) - 1), songs[0][1:]].sum() / math.log(2)
    assert scores.bits[0] == pytest.approx(expected, rel=1e-5)
    assert scores.tokens.tolist() == [6, 15]


def test_sampling_is_seeded_and_validated() -> None:
    keras.utils.set_random_seed(3)
    char_lm = CharLM.from_keras(build_model(VOCABULARY.size, SETTINGS, artist_count=2), VOCABULARY)
    first = sample(char_lm, "Why", 1.0, 40, seed=5, artist="A")
    assert first == sample(char_lm, "Why", 1.0, 40, seed=5, artist="A")
    assert first.startswith("Why") and len(first) <= 43
    with pytest.raises(ValueError, match="conditioned on the artist"):
        sample(char_lm, "Why", 1.0, 10, seed=0)
    with pytest.raises(ValueError, match="temperature must be positive"):
        sample(char_lm, "Why", 0.0, 10, seed=0, artist="A")


def test_samples_table_keeps_each_sample_on_one_row() -> None:
    table = samples_table(
        [{"model": "m", "artist": None, "prime": "Why", "temperature": 0.2, "distinct_3gram_ratio": 0.5,
          "text": "a|b\nc"}]
    )  # fmt: skip
    assert table.splitlines()[2] == "| m | – | Why | 0.2 | 0.500 | a\\|b ⏎ c |"


def test_window_batches_declare_their_count(tmp_path: Path) -> None:
    texts = ["hello world, why well"] * 6
    layout = build_streams(texts, ["A", "B"] * 3, VOCABULARY, streams=2, window=8, seed=0)
    write_shards(window_examples(layout), tmp_path / "train", 2)
    dataset = _window_batches(tmp_path / "train", window_parser(8, with_artist=False), 2)
    assert int(dataset.cardinality()) == layout.windows == len(list(dataset))


@pytest.mark.parametrize(("conditioned", "verdict"), [(2.20, "helps"), (2.24, "no measurable effect"), (2.30, "hurts")])
def test_conditioning_is_judged_against_the_seed_noise(conditioned: float, verdict: str) -> None:
    from assets.lyrics.metrics import conditioning_verdict

    judged = conditioning_verdict(2.25, conditioned, seed_noise=0.03)
    assert judged["verdict"].startswith(verdict)
    assert judged["gain_bits_per_char"] == pytest.approx(2.25 - conditioned)
