"""The UI in a real browser: dagster-webserver on a free loopback port against a temporary
DAGSTER_HOME, every group and asset checked over GraphQL, the asset graph opened in Debian's
headless Chromium through Playwright, and a screenshot saved; an asset page with its column schema,
owner, domain tag and link to its code. Then what a user does: a CLI
materialization and `dagster dev`, both through the `encore` launcher with only ENCORE_HOME set, and
the browser shows the materialization, its metadata and its run."""

import json
import re
import shutil
import subprocess
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import dagster as dg
import pytest

from assets.common.raw_assets import raw_assets_for_domain
from assets.common.sources import DOMAINS
from assets.setlists.data_assets import clean_setlists
from pipelines import defs
from resources import LakeResource, ParquetIOManager, RawDataResource
from tests.operations.processes import (
    BIN,
    ENCORE,
    REPOSITORY,
    base_environment,
    free_port,
    log_tail,
    require_program,
    running,
    user_environment,
    wait_until,
)

pytestmark = pytest.mark.ui

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
ASSET_NODES_QUERY = "{ assetNodes { assetKey { path } groupName } }"


def _get(url: str) -> bytes | None:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return response.read()
    except (urllib.error.URLError, ConnectionError, TimeoutError):
        return None


def _graphql(base_url: str, query: str) -> dict:
    request = urllib.request.Request(
        f"{base_url}/graphql",
        data=json.dumps({"query": query}).encode(),
        headers={"Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=30) as response:
        payload = json.loads(response.read())
    if payload.get("errors"):
        raise AssertionError(f"GraphQL errors: {payload['errors']}")
    return payload["data"]


def _wait_for_webserver(process, base_url: str, log: Path, what: str) -> None:
    def ready() -> bool:
        if process.poll() is not None:
            raise AssertionError(f"{what} exited with {process.returncode}:\n{log_tail(log)}")
        if _get(f"{base_url}/server_info") is None:
            return False
        return bool(_graphql(base_url, ASSET_NODES_QUERY)["assetNodes"])

    try:
        wait_until(ready, timeout=120, what=f"{what} on {base_url} to serve the code location")
    except TimeoutError as error:
        raise AssertionError(f"{error}\n{log_tail(log)}") from error


@pytest.fixture(scope="module")
def ui_scratch(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The webserver's folder: its Dagster instance in ``dagster_home/``, its Encore home in ``encore/``."""
    scratch = tmp_path_factory.mktemp("ui")
    (scratch / "dagster_home").mkdir()
    shutil.copy(REPOSITORY / "dagster.yaml", scratch / "dagster_home" / "dagster.yaml")
    return scratch


@pytest.fixture(scope="module")
def webserver(ui_scratch: Path) -> Iterator[str]:
    """A dagster-webserver serving the code location; yields its base URL, always stops it."""
    port = free_port()
    base_url = f"http://127.0.0.1:{port}"
    log = ui_scratch / "webserver.log"
    command = [str(BIN / "dagster-webserver"), "-h", "127.0.0.1", "-p", str(port), "-w", "workspace.yaml"]
    with running(command, log, base_environment(ui_scratch / "dagster_home", ui_scratch / "encore")) as process:
        _wait_for_webserver(process, base_url, log, "dagster-webserver")
        yield base_url


def test_graphql_lists_every_group_and_every_asset(webserver: str) -> None:
    nodes = _graphql(webserver, ASSET_NODES_QUERY)["assetNodes"]
    served = {"/".join(node["assetKey"]["path"]): node["groupName"] for node in nodes}
    expected = {node.key.to_user_string(): node.group_name for node in defs.resolve_asset_graph().asset_nodes}
    assert served == expected
    assert set(DOMAINS) <= set(served.values())


def _open_materialized_asset_page(browser, base_url: str, asset: str, height: int):
    """A new page on ``asset``'s page, once it shows the latest materialization."""
    page = browser.new_page(viewport={"width": 1600, "height": height})
    page.goto(f"{base_url}/assets/{asset}", timeout=60_000)
    _dismiss_welcome_dialog(page)
    page.get_by_text("Latest materialization").first.wait_for(state="visible", timeout=60_000)
    return page


def _dismiss_welcome_dialog(page) -> None:
    """A fresh instance greets the first visit with a newsletter dialog that covers the graph."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeoutError

    skip = page.get_by_role("button", name="Skip")
    try:
        skip.wait_for(state="visible", timeout=5_000)
    except PlaywrightTimeoutError:  # no dialog (already dismissed once): nothing to do
        return
    skip.click()


def test_the_asset_graph_opens_in_chromium(webserver: str, tmp_path: Path) -> None:
    chromium = require_program("chromium", "chromium")
    from playwright.sync_api import sync_playwright

    assets_by_group: dict[str, list[str]] = {}
    for node in defs.resolve_asset_graph().asset_nodes:
        assets_by_group.setdefault(node.group_name, []).append(node.key.path[-1])
    screenshots = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS, headless=True)
        try:
            page = browser.new_page(viewport={"width": 2000, "height": 1400})
            page.goto(f"{webserver}/asset-groups", timeout=60_000)
            _dismiss_welcome_dialog(page)
            for group in DOMAINS:
                page.get_by_text(group, exact=True).first.wait_for(state="visible", timeout=60_000)
            screenshots.append(tmp_path / "global-asset-lineage.png")
            page.screenshot(path=str(screenshots[-1]))
            for group, asset_names in sorted(assets_by_group.items()):
                page.goto(f"{webserver}/locations/pipelines/asset-groups/{group}", timeout=60_000)
                # A large group's graph opens zoomed out and not every label is drawn; every asset's
                # presence is checked over GraphQL above, here the graph must render the group's nodes.
                rendered = "|".join(re.escape(name) for name in sorted(asset_names))
                page.get_by_text(re.compile(f"^({rendered})$")).first.wait_for(state="visible", timeout=60_000)
                screenshots.append(tmp_path / f"asset-graph-{group}.png")
                page.screenshot(path=str(screenshots[-1]))
        finally:
            browser.close()
    for screenshot in screenshots:
        assert screenshot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n", screenshot
        assert screenshot.stat().st_size > 10_000, screenshot


def test_an_asset_page_shows_its_column_schema_and_its_code_reference(
    webserver: str, ui_scratch: Path, tmp_path: Path
) -> None:
    chromium = require_program("chromium", "chromium")
    from playwright.sync_api import expect, sync_playwright

    # The column schema is materialization metadata: materialize clean_setlists (in process, seconds) into
    # the instance the webserver reads.
    home = str(ui_scratch / "encore")
    with dg.DagsterInstance.from_config(str(ui_scratch / "dagster_home")) as instance:
        result = dg.materialize(
            [*raw_assets_for_domain("setlists"), clean_setlists],
            instance=instance,
            resources={
                "io_manager": ParquetIOManager(home=home),
                "lake": LakeResource(home=home),
                "raw_data": RawDataResource(home=home),
            },
        )
    assert result.success
    schema = result.asset_materializations_for_node("clean_setlists")[0].metadata["dagster/column_schema"].value
    columns = [column.name for column in schema.columns]
    assert {"show_id", "title"} <= set(columns)
    node = defs.resolve_asset_graph().get(dg.AssetKey("clean_setlists"))
    [reference] = node.metadata["dagster/code_references"].code_references
    source = Path(reference.file_path)

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS, headless=True)
        try:
            page = _open_materialized_asset_page(browser, webserver, "clean_setlists", height=2400)
            expect(page.get_by_text("Columns", exact=True).first).to_be_visible(timeout=30_000)
            for column in columns:
                expect(page.get_by_text(column, exact=True).first).to_be_visible(timeout=30_000)
            # The definition panel: owner, domain tag and the link to the function ("Open <file> in editor").
            expect(page.get_by_text("encore-setlists", exact=True).first).to_be_visible(timeout=30_000)
            expect(page.get_by_text("domain: setlists", exact=True).first).to_be_visible(timeout=30_000)
            link = page.locator(f'a[href*="{source.name}:{reference.line_number}"]')
            expect(link.first).to_have_text(re.compile(f"{re.escape(source.name)} in editor"), timeout=30_000)
            page.screenshot(path=str(tmp_path / "clean-setlists-asset-page.png"), full_page=True)
        finally:
            browser.close()
    screenshot = tmp_path / "clean-setlists-asset-page.png"
    assert screenshot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and screenshot.stat().st_size > 10_000


# The README's materialize command, on one cheap asset (the full sample graph takes minutes).
CLI_ASSET = "raw_phish_files"


class CliMaterialization:
    def __init__(self, encore_home: Path, run_id: str, metadata: dict) -> None:
        self.encore_home = encore_home
        self.run_id = run_id
        self.metadata = metadata


@pytest.fixture(scope="module")
def cli_materialization(tmp_path_factory: pytest.TempPathFactory) -> CliMaterialization:
    """``encore dagster asset materialize`` as a user runs it: ENCORE_HOME set, DAGSTER_HOME not."""
    encore_home = tmp_path_factory.mktemp("user") / "encore"
    command = [*ENCORE, "dagster", "asset", "materialize", "--select", CLI_ASSET, "-m", "pipelines"]
    result = subprocess.run(
        command, cwd=REPOSITORY, env=user_environment(encore_home), capture_output=True, text=True, timeout=600
    )
    assert result.returncode == 0, result.stderr[-4000:]
    assert f"encore: Dagster instance {encore_home / 'dagster'}" in result.stderr
    with dg.DagsterInstance.from_config(str(encore_home / "dagster")) as instance:
        [run] = instance.get_runs()
        event = instance.get_latest_materialization_event(dg.AssetKey(CLI_ASSET))
        assert event is not None and event.run_id == run.run_id
        metadata = {name: value.value for name, value in event.asset_materialization.metadata.items()}
        assert run.status == dg.DagsterRunStatus.SUCCESS
    return CliMaterialization(encore_home, run.run_id, metadata)


def test_the_cli_materialization_is_recorded_in_the_encore_home_instance(
    cli_materialization: CliMaterialization,
) -> None:
    folder = cli_materialization.encore_home / "dagster"
    assert (folder / "dagster.yaml").read_bytes() == (REPOSITORY / "dagster.yaml").read_bytes()
    metadata = cli_materialization.metadata
    assert metadata["files"] == 8 and metadata["sample_data"] is True
    assert metadata["folder"] == str(cli_materialization.encore_home / "raw" / "phish")


def test_dagster_dev_shows_the_cli_materialization_its_metadata_and_its_run(
    cli_materialization: CliMaterialization, tmp_path: Path
) -> None:
    chromium = require_program("chromium", "chromium")
    from playwright.sync_api import expect, sync_playwright

    home = cli_materialization.encore_home
    port = free_port()
    base_url = f"http://127.0.0.1:{port}"
    log = tmp_path / "dagster-dev.log"
    command = [*ENCORE, "dagster", "dev", "-h", "127.0.0.1", "-p", str(port)]
    with running(command, log, user_environment(home)) as process:
        _wait_for_webserver(process, base_url, log, "dagster dev")
        instance_info = _graphql(base_url, "{ instance { info } }")["instance"]["info"]
        assert f"base_dir: {home / 'dagster'}\n" in instance_info
        with dg.DagsterInstance.from_config(str(home / "dagster")) as instance:
            # dagster dev's daemon runs against the same instance
            wait_until(lambda: bool(instance.get_daemon_heartbeats()), timeout=120, what="the daemon's heartbeats")

        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS, headless=True)
            try:
                page = _open_materialized_asset_page(browser, base_url, CLI_ASSET, height=1200)
                metadata = cli_materialization.metadata
                for value in (metadata["content_hash"], metadata["folder"], metadata["path"]):
                    page.get_by_text(str(value), exact=True).first.wait_for(state="visible", timeout=60_000)
                expect(page.get_by_text("Never materialized")).to_have_count(0)
                page.screenshot(path=str(tmp_path / "asset-materialized.png"))

                page.goto(f"{base_url}/runs", timeout=60_000)
                run_link = page.locator(f'a[href*="/runs/{cli_materialization.run_id}"]')
                run_link.first.wait_for(state="visible", timeout=60_000)
                # The runs list is a virtualized table of divs: the innermost one around the link is its row.
                row = page.locator("div").filter(has=run_link).filter(has_text="Success").last
                expect(row).to_contain_text(cli_materialization.run_id[:8])
                expect(row).to_contain_text(CLI_ASSET)
                page.screenshot(path=str(tmp_path / "runs.png"))
            finally:
                browser.close()
