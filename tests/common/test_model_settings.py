"""Each model task defines its hyperparameters once: the asset's Dagster config class is the settings class
its training code takes, with every field described for the launchpad."""

import typing
from collections.abc import Callable

import dagster as dg
import pytest

from assets.audio.cnn import train_cnn
from assets.lyrics.model import train_char_lm
from assets.midi.roll_model import train_roll_model
from assets.midi.velocity_training import train_velocity_model
from assets.setlists.evaluation import random_split_score
from assets.setlists.training_run import train_next_song
from assets.trends.forecast import train_play_forecasters
from pipelines import defs

# asset -> (the training function, its settings parameter)
TRAINING_SETTINGS: dict[str, tuple[Callable, str]] = {
    "char_lm_model": (train_char_lm, "settings"),
    "artist_char_lm_model": (train_char_lm, "settings"),
    "play_forecast_model": (train_play_forecasters, "settings"),
    "velocity_model": (train_velocity_model, "settings"),
    "pianoroll_model": (train_roll_model, "settings"),
    "next_song_model": (train_next_song, "settings"),
    "song_embeddings": (random_split_score, "word2vec"),
    "genre_cnn_model": (train_cnn, "settings"),
}
CHOOSES_AMONG_TRAINED = {"genre_model"}  # trains nothing: picks the best contender on valid


def _config_class(asset: str) -> type:
    return typing.get_type_hints(defs.resolve_assets_def(asset).op.compute_fn.decorated_fn)["config"]


@pytest.mark.parametrize("asset", sorted(TRAINING_SETTINGS))
def test_the_asset_config_is_the_settings_class_training_takes(asset: str) -> None:
    train, parameter = TRAINING_SETTINGS[asset]
    config_class = _config_class(asset)
    assert config_class is typing.get_type_hints(train)[parameter]
    assert issubclass(config_class, dg.Config)
    undescribed = [name for name, field in config_class.model_fields.items() if not field.description]
    assert undescribed == []


def test_every_model_asset_is_covered() -> None:
    model_assets = {
        node.key.to_user_string()
        for node in defs.resolve_asset_graph().asset_nodes
        if node.key.path[-1].endswith("_model")
    }
    assert model_assets - CHOOSES_AMONG_TRAINED <= set(TRAINING_SETTINGS)
