"""The UI in a real browser: dagster-webserver on a free loopback port against a temporary
DAGSTER_HOME, every group and asset checked over GraphQL, the asset graph opened in Debian's
headless Chromium through Playwright, and a screenshot saved."""

import json
import re
import shutil
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from assets.common.sources import DOMAINS
from pipelines import defs
from tests.operations.processes import (
    BIN,
    REPOSITORY,
    base_environment,
    free_port,
    log_tail,
    require_program,
    running,
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


@pytest.fixture(scope="module")
def webserver(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A dagster-webserver serving the code location; yields its base URL, always stops it."""
    scratch = tmp_path_factory.mktemp("ui")
    dagster_home = scratch / "dagster_home"
    dagster_home.mkdir()
    shutil.copy(REPOSITORY / "dagster.yaml", dagster_home / "dagster.yaml")
    port = free_port()
    base_url = f"http://127.0.0.1:{port}"
    log = scratch / "webserver.log"
    command = [str(BIN / "dagster-webserver"), "-h", "127.0.0.1", "-p", str(port), "-w", "workspace.yaml"]
    with running(command, log, base_environment(dagster_home, scratch / "encore")) as process:

        def ready() -> bool:
            if process.poll() is not None:
                raise AssertionError(f"dagster-webserver exited with {process.returncode}:\n{log_tail(log)}")
            if _get(f"{base_url}/server_info") is None:
                return False
            return bool(_graphql(base_url, ASSET_NODES_QUERY)["assetNodes"])

        try:
            wait_until(ready, timeout=120, what=f"dagster-webserver on {base_url} to serve the code location")
        except TimeoutError as error:
            raise AssertionError(f"{error}\n{log_tail(log)}") from error
        yield base_url


def test_graphql_lists_every_group_and_every_asset(webserver: str) -> None:
    nodes = _graphql(webserver, ASSET_NODES_QUERY)["assetNodes"]
    served = {"/".join(node["assetKey"]["path"]): node["groupName"] for node in nodes}
    expected = {node.key.to_user_string(): node.group_name for node in defs.resolve_asset_graph().asset_nodes}
    assert served == expected
    assert set(DOMAINS) <= set(served.values())


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
