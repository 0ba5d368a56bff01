"""The evaluation reports: `genre_reports` writes `reports/genre_<collection>.json` per collection."""

import dagster as dg
import pandas as pd

from assets.audio.data_assets import shipped_tables
from assets.audio.feature_table import feature_parity
from assets.audio.spectrograms import tfrecords_dir
from assets.common.dagster_metadata import report_metadata
from assets.common.reports import write_report
from resources.lake import LakeResource
from resources.training import TrainingResource

DOMAIN = "audio"


def parity_summary(features: pd.DataFrame, raw_gtzan_files: pd.DataFrame) -> dict | None:
    shipped = shipped_tables(raw_gtzan_files).get("gtzan")
    if shipped is None:
        return None
    parity = feature_parity(features, shipped)
    return {"tracks": parity.tracks, "max_deviation_std": parity.max_deviation_std, "passed": parity.passed}


@dg.asset(group_name=DOMAIN, kinds={"sklearn", "tensorflow"})
def genre_reports(
    context: dg.AssetExecutionContext,
    lake: LakeResource,
    training: TrainingResource,
    audio_features: pd.DataFrame,
    genre_classic_models: pd.DataFrame,
    genre_cnn_model: pd.DataFrame,
    raw_gtzan_files: pd.DataFrame,
) -> dg.MaterializeResult:
    """Genre reports `genre_fma.json` and `genre_gtzan.json` (one per collection present): test accuracy and
    macro F1 of every model, the best (by valid accuracy) against the majority-class baseline, a confusion
    matrix and a per-genre table; GTZAN adds random 5-fold CV accuracy and the feature-parity result."""
    from assets.audio.evaluation import build_report, score_classic_models, score_cnn

    metadata = {}
    for collection, features in audio_features.groupby("collection", sort=True):
        models = genre_classic_models[genre_classic_models["collection"] == collection]
        if models.empty or not (features["split"] == "test").any():
            context.log.info(f"{collection}: no trained models or no test tracks, no report")
            continue
        results = score_classic_models(models, features)
        for row in genre_cnn_model[genre_cnn_model["collection"] == collection].itertuples(index=False):
            results.append(score_cnn(row, tfrecords_dir(lake.domain_dir(DOMAIN), str(collection))))
        parity = parity_summary(features, raw_gtzan_files) if collection == "gtzan" else None
        report, plots, notes = build_report(str(collection), features, results, training.seed, parity)
        paths = write_report(lake.reports_dir(DOMAIN), f"genre_{collection}", report, plots, notes_markdown=notes)
        for key, value in report_metadata(report, paths, plots).items():
            metadata[f"{collection}_{key}"] = value
        context.log.info(f"{collection}: best {report.model['name']} {report.metrics}, baselines {report.baselines}")
    return dg.MaterializeResult(metadata=metadata)
