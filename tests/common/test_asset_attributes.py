"""Every asset of the code location has its domain's owner, a `domain` tag and a link to its function."""

from pathlib import Path

import dagster as dg
import pytest

from assets.common.asset_attributes import CROSS_DOMAIN, DOMAIN_TAG, OWNER_BY_DOMAIN, with_asset_attributes
from assets.common.leaderboard import LEADERBOARD_GROUP
from assets.common.sources import DOMAINS
from assets.setlists.sweep_assets import SWEEP_GROUP
from pipelines import defs

REPOSITORY_ROOT = Path(__file__).resolve().parents[2]
EXPECTED_DOMAIN_BY_GROUP = {
    **{domain: domain for domain in DOMAINS},
    SWEEP_GROUP: "setlists",
    LEADERBOARD_GROUP: CROSS_DOMAIN,
}


def _assets_with_keys() -> list[tuple[dg.AssetKey, dg.AssetsDefinition]]:
    return [(key, assets_def) for assets_def in defs.resolve_asset_graph().assets_defs for key in assets_def.keys]


def test_every_asset_has_its_domains_owner_and_domain_tag() -> None:
    nodes = list(defs.resolve_asset_graph().asset_nodes)
    assert len(nodes) > 50
    for node in nodes:
        domain = EXPECTED_DOMAIN_BY_GROUP[node.group_name]
        assert node.tags.get(DOMAIN_TAG) == domain, node.key
        assert list(node.owners) == [OWNER_BY_DOMAIN[domain]], node.key
    assert OWNER_BY_DOMAIN["setlists"] == "team:encore-setlists"


def test_the_attributes_are_added_to_the_existing_tags() -> None:
    node = defs.resolve_asset_graph().get(dg.AssetKey("next_song_model"))
    assert node.tags["encore/role"] == "trained_model"
    assert node.kinds == {"tensorflow", "keras"}


def test_every_asset_links_to_the_function_that_computes_it() -> None:
    for key, assets_def in _assets_with_keys():
        references = assets_def.specs_by_key[key].metadata["dagster/code_references"].code_references
        # Python references only: a dbt model may also link to its SQL file.
        local = [
            reference
            for reference in references
            if isinstance(reference, dg.LocalFileCodeReference) and reference.file_path.endswith(".py")
        ]
        assert local, key
        path = Path(local[0].file_path)
        assert path.is_relative_to(REPOSITORY_ROOT) and path.is_file(), (key, path)
        # The reference names the function's first line (its first decorator); its `def` follows.
        lines = path.read_text().splitlines()[local[0].line_number - 1 :]
        assert lines[0].lstrip().startswith(("@", "def ")), (key, lines[0])
        function_name = assets_def.op.compute_fn.decorated_fn.__name__
        first_def = next(line.strip() for line in lines if line.lstrip().startswith("def "))
        assert first_def.startswith(f"def {function_name}("), (key, first_def)


def test_an_unknown_domain_is_refused() -> None:
    @dg.asset
    def lonely() -> None: ...

    with pytest.raises(ValueError, match="'karaoke' is not a domain"):
        with_asset_attributes("karaoke", [lonely])


def test_every_dbt_model_also_links_to_its_sql_file() -> None:
    from assets.trends.sql_assets import trends_dbt_models

    for key in trends_dbt_models.keys:
        references = trends_dbt_models.specs_by_key[key].metadata["dagster/code_references"].code_references
        sql = [reference.file_path for reference in references if reference.file_path.endswith(".sql")]
        assert len(sql) == 1 and Path(sql[0]).is_file(), (key, references)
        assert Path(sql[0]).stem == key.path[-1], (key, sql)
