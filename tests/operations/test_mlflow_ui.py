"""The MLflow UI on the embedded store after a sample materialization: `mlflow ui` on a loopback port,
opened in Debian's headless Chromium, lists the training's run, and its page shows the report's test metric."""

from __future__ import annotations

from pathlib import Path

import dagster as dg
import pytest

from assets.trends.definitions import ASSETS, CHECKS
from tests.operations.processes import (
    BIN,
    base_environment,
    free_port,
    http_ok,
    log_tail,
    require_program,
    running,
    wait_until,
)
from tests.operations.test_ui import CHROMIUM_ARGS
from tests.trends.test_assets import _resources

pytestmark = pytest.mark.ui


def test_the_mlflow_ui_lists_the_runs_of_a_sample_materialization(
    tmp_path: Path, sample_raw_root: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    chromium = require_program("chromium", "chromium")
    from playwright.sync_api import sync_playwright

    monkeypatch.delenv("MLFLOW_TRACKING_URI", raising=False)
    home = tmp_path / "encore"
    result = dg.materialize(
        [*ASSETS, *CHECKS],
        resources=_resources(home, sample_raw_root),
        run_config={"ops": {"play_forecast_model": {"config": {"max_epochs": 4, "patience": 2}}}},
        raise_on_error=False,
    )
    version = result.asset_materializations_for_node("play_forecast_model")[0].metadata["version"].value
    from mlflow import MlflowClient

    experiment_id = (
        MlflowClient(f"sqlite:///{home / 'mlflow.db'}").get_experiment_by_name("encore/forecast").experiment_id
    )
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    command = [
        str(BIN / "mlflow"), "ui", "--host", "127.0.0.1", "--port", str(port), "--workers", "1",
        "--backend-store-uri", f"sqlite:///{home / 'mlflow.db'}",
    ]  # fmt: skip
    log = tmp_path / "mlflow-ui.log"
    screenshot = tmp_path / "mlflow-forecast-runs.png"
    with running(command, log, base_environment(tmp_path / "dagster", home)):
        try:
            wait_until(lambda: http_ok(f"{url}/health"), 90, f"mlflow ui on {url}")
        except TimeoutError:
            pytest.fail(log_tail(log))
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS, headless=True)
            try:
                page = browser.new_page(viewport={"width": 1800, "height": 1200})
                page.goto(f"{url}/#/experiments/{experiment_id}/runs?workflowType=machine_learning", timeout=60_000)
                page.get_by_text(version[:15]).first.click(timeout=60_000)  # the run, named after the version
                page.get_by_text("test/tianchi_f_ratio").first.wait_for(state="visible", timeout=60_000)
                page.screenshot(path=str(screenshot))
            finally:
                browser.close()
    assert screenshot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and screenshot.stat().st_size > 10_000
