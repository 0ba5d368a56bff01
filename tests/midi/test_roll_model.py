"""The piano-roll LSTM: validation, padding that cannot leak, saving, and sampling from it."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from assets.common.model_files import record_sha256
from assets.midi.roll_model import RollModelSettings, build_model, load_model, predict_next_frames, save_roll_model
from assets.midi.rolls import NUM_KEYS
from assets.midi.sampling import adjust_temperature, generate


@pytest.fixture(scope="module")
def tiny_model():
    import keras

    keras.utils.set_random_seed(0)
    return build_model(RollModelSettings(lstm_units=4, dropout=0.0))


@pytest.mark.parametrize(("settings", "message"), [({"lstm_units": 0}, "lstm_units"), ({"dropout": 1.0}, "dropout")])
def test_build_model_validates_settings(settings: dict, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        build_model(RollModelSettings(**settings))


def test_predictions_of_a_tune_do_not_depend_on_its_batch_mates(tiny_model) -> None:
    rng = np.random.default_rng(1)
    short = (rng.random((5, NUM_KEYS)) < 0.1).astype(np.uint8)
    long = (rng.random((40, NUM_KEYS)) < 0.1).astype(np.uint8)
    alone = predict_next_frames(tiny_model, {"short": short})["short"]
    together = predict_next_frames(tiny_model, {"short": short, "long": long})
    assert alone.shape == (4, NUM_KEYS)
    assert together["long"].shape == (39, NUM_KEYS)
    np.testing.assert_allclose(together["short"], alone, rtol=1e-5, atol=1e-6)


def test_saved_model_loads_with_the_summed_loss(tiny_model, tmp_path: Path) -> None:
    path = record_sha256(tmp_path / save_roll_model(tiny_model, tmp_path))  # as a version records it
    again = load_model(path)
    frames = np.zeros((1, 3, NUM_KEYS), dtype=np.float32)
    np.testing.assert_allclose(again.predict_on_batch(frames), tiny_model.predict_on_batch(frames), rtol=1e-6)
    assert again.loss.__name__ == "summed_binary_crossentropy"


def test_frame_skip_model_saves_and_loads(tmp_path: Path) -> None:
    model = build_model(RollModelSettings(lstm_units=4, dropout=0.0, frame_skip=True))
    assert model.get_layer("frame_skip").kernel.shape == (NUM_KEYS, NUM_KEYS)
    again = load_model(record_sha256(tmp_path / save_roll_model(model, tmp_path)))
    frames = np.ones((1, 2, NUM_KEYS), dtype=np.float32)
    np.testing.assert_allclose(again.predict_on_batch(frames), model.predict_on_batch(frames), rtol=1e-6)


def test_adjust_temperature_sharpens_and_flattens() -> None:
    probabilities = np.array([0.2, 0.5, 0.9])
    np.testing.assert_allclose(adjust_temperature(probabilities, 1.0), probabilities, rtol=1e-6)
    sharper = adjust_temperature(probabilities, 0.5)
    assert sharper[0] < 0.2 and sharper[1] == pytest.approx(0.5) and sharper[2] > 0.9
    with pytest.raises(ValueError, match="positive"):
        adjust_temperature(probabilities, 0.0)


def test_generate_keeps_the_primer_and_is_seeded(tiny_model) -> None:
    primers = np.zeros((2, 3, NUM_KEYS), dtype=np.uint8)
    primers[:, :, 39] = 1
    first = generate(tiny_model, primers, 5, temperature=1.0, threshold=0.0, seed=3)
    again = generate(tiny_model, primers, 5, temperature=1.0, threshold=0.0, seed=3)
    assert first.shape == (2, 8, NUM_KEYS)
    np.testing.assert_array_equal(first[:, :3], primers)
    np.testing.assert_array_equal(first, again)
    with pytest.raises(ValueError, match="primers"):
        generate(tiny_model, primers[0], 5, temperature=1.0, threshold=0.0, seed=3)
