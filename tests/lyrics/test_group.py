"""The whole lyrics group materialized once on the sample data with small, seeded models."""

import json
from pathlib import Path

import dagster as dg
import pandas as pd
import pytest

from assets.common.raw_assets import raw_assets_for_domain
from assets.lyrics.data_assets import clean_lyrics_is_valid
from assets.lyrics.definitions import LYRICS_ASSETS
from assets.lyrics.metrics import distinct_ngram_ratio
from assets.lyrics.model import load_char_lm, model_dir
from assets.lyrics.sampling import CharLM, sample
from resources.environments import local_resources

pytestmark = pytest.mark.slow

MODEL_CONFIG = {"lstm_units": 96, "max_epochs": 6, "patience": 2, "learning_rate": 0.005}
RUN_CONFIG = {
    "ops": {
        "lyrics_tfrecords": {"config": {"window": 64, "streams": 8, "shards": 2}},
        "char_lm_model": {"config": MODEL_CONFIG},
        "artist_char_lm_model": {"config": MODEL_CONFIG},
        "lyrics_samples": {"config": {"length": 200, "artists": 2}},
    }
}


class Materialized:
    def __init__(self, home: Path, result: dg.ExecuteInProcessResult) -> None:
        self.home = home
        self.result = result
        self.lake = home / "lake" / "lyrics"

    def metadata(self, asset: str) -> dict:
        [event] = [e for e in self.result.get_asset_materialization_events() if e.asset_key.path[-1] == asset]
        return {name: getattr(value, "value", value) for name, value in event.materialization.metadata.items()}

    def table(self, asset: str) -> pd.DataFrame:
        return pd.read_parquet(self.lake / f"{asset}.parquet")


@pytest.fixture(scope="module")
def materialized(tmp_path_factory: pytest.TempPathFactory) -> Materialized:
    home = tmp_path_factory.mktemp("encore")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("ENCORE_HOME", str(home))
        patch.delenv("ENCORE_RAW_ROOT", raising=False)
        result = dg.materialize(
            [*raw_assets_for_domain("lyrics"), *LYRICS_ASSETS, clean_lyrics_is_valid],
            resources=local_resources(),
            run_config=RUN_CONFIG,
        )
    assert result.success
    return Materialized(home, result)


def test_clean_lyrics_counts_duplicates_and_quarantines_the_empty_text(materialized: Materialized) -> None:
    metadata = materialized.metadata("clean_lyrics")
    assert (metadata["records_read"], metadata["duplicates_removed"], metadata["quarantined_records"]) == (152, 2, 1)
    clean = materialized.table("clean_lyrics")
    assert len(clean) == 149 and clean["artist"].nunique() == 6
    assert not clean["text"].str.contains("  \n|\r").any()
    quarantine = pd.read_parquet(materialized.lake / "quarantine" / "clean_lyrics.parquet")
    assert quarantine["reason"].tolist() == ["empty text"]


def test_the_blocking_check_passed(materialized: Materialized) -> None:
    [evaluation] = materialized.result.get_asset_check_evaluations()
    assert evaluation.passed and evaluation.metadata["expectations_failed"].value == 0


def test_every_artist_is_in_every_split_and_the_vocabulary(materialized: Materialized) -> None:
    splits = materialized.table("lyrics_splits")
    assert splits.groupby("artist")["split"].nunique().eq(3).all()
    vocabulary = materialized.table("char_vocabulary")
    assert vocabulary.loc[vocabulary["kind"] == "token", "value"].tolist()[:3] == ["<start>", "<end>", "<unk>"]
    assert (vocabulary["kind"] == "artist").sum() == 6


def test_tfrecords_hold_each_split_in_shards(materialized: Materialized) -> None:
    layout = materialized.table("lyrics_tfrecords").set_index("split")
    assert layout.loc["train", "records"] == layout.loc["train", "windows"] * 8
    for split in ("train", "valid", "test"):
        assert len(list(Path(layout.loc[split, "path"]).glob("part-*-of-00002.tfrecord"))) == 2


def test_models_are_saved_with_checkpoints_and_tensorboard_logs(materialized: Materialized) -> None:
    for task in ("char_lm", "artist_char_lm"):
        folder = model_dir(materialized.lake / "models", task)
        assert (folder / "model.keras").exists() and (folder / "checkpoints" / "state.json").exists()
        assert list((materialized.lake / "tensorboard" / task).rglob("events.out.tfevents.*"))
    assert materialized.metadata("char_lm_model")["epochs_run"] >= 1


def test_report_follows_the_contract_and_both_models_beat_the_bigram(materialized: Materialized) -> None:
    report = json.loads((materialized.lake / "reports" / "char_lm.json").read_text())
    assert report["task"] == "char_lm" and report["primary_metric"] == "bits_per_char"
    assert set(report["baselines"]) == {"unigram", "bigram"}
    assert report["baselines"]["bigram"]["bits_per_char"] < report["baselines"]["unigram"]["bits_per_char"]
    bigram = report["baselines"]["bigram"]["bits_per_char"]
    assert report["metrics"]["bits_per_char"] < bigram
    assert report["metrics"]["artist_bits_per_char"] < bigram
    assert report["beats_baselines"] is True and report["artist_char_lm_beats_baselines"] is True
    per_artist = pd.DataFrame(report["per_artist"])
    assert set(per_artist["artist"]) == set(materialized.table("clean_lyrics")["artist"])
    assert (materialized.lake / "reports" / "char_lm_per_artist.png").exists()


def test_samples_cover_every_temperature_in_a_markdown_table(materialized: Materialized) -> None:
    metadata = materialized.metadata("lyrics_samples")
    assert metadata["samples"].startswith("| model | artist | prime | temperature")
    rows = json.loads((materialized.lake / "reports" / "samples.json").read_text())
    assert {row["temperature"] for row in rows} == {0.2, 0.5, 1.0, 1.5}
    assert {row["prime"] for row in rows if row["model"] == "char_lm"} == {"Why", "Well"}
    assert len({row["artist"] for row in rows if row["model"] == "artist_char_lm"}) == 2


def test_low_temperature_samples_are_less_diverse_than_high_temperature(materialized: Materialized) -> None:
    model = CharLM.from_keras(*load_char_lm(model_dir(materialized.lake / "models", "char_lm")))
    ratios = {
        temperature: [distinct_ngram_ratio(sample(model, "Why", temperature, 400, seed), 3) for seed in range(3)]
        for temperature in (0.2, 1.5)
    }
    assert max(ratios[0.2]) + 0.15 < min(ratios[1.5])
