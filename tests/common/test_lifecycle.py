"""A new model task is one module: its config, a train function and a report, plus one ChampionTask line.

The task below (a one-layer Keras regression) goes through the shared lifecycle end to end: trained and
versioned by `train_version`, tracked in MLflow, reported against a baseline, blessed and promoted."""

from pathlib import Path

import dagster as dg
import numpy as np
import pandas as pd
import pytest

from assets.common.champions import ChampionTask, build_champion_definitions, challenger_fields
from assets.common.dagster_metadata import MODEL_ASSET_ARGS, report_metadata
from assets.common.lifecycle import Trained, TrainingRun, content_hash, train_version
from assets.common.model_registry import read_champion, read_version
from assets.common.reports import Report, write_report
from resources import LakeResource, MlflowResource, TrainingResource

keras = pytest.importorskip("keras")

SPEC = ChampionTask("toy", "slope", "slope_report", "slope", "mae", False, tolerance=0.01)  # the registration line
FEATURES = np.linspace(-1, 1, 64, dtype="float32").reshape(-1, 1)
TARGETS = 3 * FEATURES[:, 0] + 1


class SlopeConfig(dg.Config):
    learning_rate: float = 0.1
    max_epochs: int = 30


def _mae(model: keras.Model) -> float:
    return float(np.mean(np.abs(model.predict(FEATURES, verbose=0)[:, 0] - TARGETS)))


@dg.asset(group_name="toy", **MODEL_ASSET_ARGS)
def slope_model(
    context: dg.AssetExecutionContext,
    config: SlopeConfig,
    lake: LakeResource,
    training: TrainingResource,
    mlflow: MlflowResource,
) -> pd.DataFrame:
    """A linear model of y = 3x + 1, trained through the shared lifecycle."""
    from assets.common.training import fit_resumable

    def train(run: TrainingRun) -> Trained:
        keras.utils.set_random_seed(run.seed)
        model = keras.Sequential([keras.Input((1,)), keras.layers.Dense(1)])
        model.compile(optimizer=keras.optimizers.Adam(config.learning_rate), loss="mse")
        import tensorflow as tf

        data = tf.data.Dataset.from_tensor_slices((FEATURES, TARGETS)).batch(16)
        model, outcome = fit_resumable(
            model, data, data, epochs=config.max_epochs, checkpoint_dir=run.checkpoint_dir,
            fingerprint=run.fingerprint, patience=5,
        )  # fmt: skip

        def save(folder: Path) -> str:
            model.save(folder / "model.keras")
            return "model.keras"

        return Trained(save, {"best_val_loss": outcome.best_monitor_value}, {"epochs_run": outcome.epochs_run})

    _, table, metadata = train_version(
        context, task=SPEC.task, task_dir=SPEC.task_dir(lake), config=config,
        data_version=content_hash(FEATURES.tobytes()), package_dir=Path(__file__).parent,
        training=training, mlflow=mlflow, train=train,
    )  # fmt: skip
    context.add_output_metadata(metadata)
    return table


@dg.asset(group_name="toy")
def slope_report(lake: LakeResource, slope_model: pd.DataFrame) -> dg.MaterializeResult:
    """Test MAE of the candidate and of the champion against predicting the mean."""
    candidate = read_version(SPEC.task_dir(lake) / slope_model.loc[0, "version"])

    def score(version) -> dict[str, float]:
        return {"mae": _mae(keras.models.load_model(version.model_path))}

    metrics = score(candidate)
    report = Report(
        task=SPEC.task, primary_metric="mae", higher_is_better=False, data={}, model={}, metrics=metrics,
        baselines={"mean": {"mae": float(np.mean(np.abs(TARGETS - TARGETS.mean())))}},
        extra=challenger_fields(SPEC.task_dir(lake), SPEC.task, candidate, metrics, score),
    )  # fmt: skip
    paths = write_report(lake.reports_dir(SPEC.domain), SPEC.report_name, report)
    return dg.MaterializeResult(metadata=report_metadata(report, paths))


def test_a_new_task_is_trained_tracked_blessed_and_promoted(encore_home: Path) -> None:
    from mlflow import MlflowClient

    blessing, slope_champion = build_champion_definitions(SPEC)
    result = dg.materialize(
        [slope_model, slope_report, slope_champion, blessing],
        resources={"lake": LakeResource(), "mlflow": MlflowResource(), "training": TrainingResource(device="cpu")},
    )
    version = result.asset_materializations_for_node("slope_model")[0].metadata["version"].value
    assert read_champion(SPEC.task_dir(LakeResource()))["version"] == version
    assert result.get_asset_check_evaluations()[0].passed
    client = MlflowClient(MlflowResource().resolved_uri())
    champion = client.get_model_version_by_alias("slope", "champion")
    run = client.get_run(champion.run_id)
    assert run.data.tags["encore.version"] == version and run.data.params["learning_rate"] == "0.1"
    assert len(client.get_metric_history(champion.run_id, "val_loss")) >= 2  # the one fit's curve, unprefixed
    assert run.data.metrics["test/mae"] < 0.5
    assert run.info.end_time > run.info.start_time  # the run spans the training, not just its logging


def test_content_hash_follows_every_part_including_frames_of_vectors() -> None:
    vectors = pd.DataFrame({"token": ["a", "b"], "vector": [np.zeros(3), np.ones(3)]})
    base = content_hash({"units": 8}, vectors, b"shards")
    assert base == content_hash({"units": 8}, vectors.copy(), b"shards") and len(base) == 16
    changed = vectors.copy()
    changed.at[1, "vector"] = np.full(3, 2.0)
    assert len({base, content_hash({"units": 9}, vectors, b"shards"), content_hash({"units": 8}, changed, b"shards"),
                content_hash({"units": 8}, vectors, b"other")}) == 4  # fmt: skip
