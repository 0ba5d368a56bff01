"""One assertion every domain's champion shares: promoting a refused candidate on its own changes nothing."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import dagster as dg

from resources import LakeResource, MlflowResource


def assert_promoting_alone_is_refused(
    definitions: Sequence[dg.AssetsDefinition | dg.AssetChecksDefinition],
    task: str,
    home: Path,
    instance: dg.DagsterInstance,
) -> None:
    """Materialize only `<task>_champion` (a single click in the UI, or a retry) after a run whose
    blessing refused the candidate: the step fails naming the refusal and the champion pointer is unchanged,
    even though the champion asset no longer runs behind the blocking check."""
    champion_file = next(Path(home, "lake").glob(f"*/models/{task}/champion.json"))
    before = champion_file.read_text()
    key = dg.AssetKey(f"{task}_champion")
    (champion,) = [item for item in definitions if isinstance(item, dg.AssetsDefinition) and key in item.keys]
    result = dg.materialize(
        [champion],
        resources={"lake": LakeResource(home=str(home)), "mlflow": MlflowResource(home=str(home))},
        instance=instance,
        raise_on_error=False,
    )
    assert not result.success
    (failure,) = result.get_step_failure_events()
    assert failure.step_key == f"{task}_champion"
    message = failure.event_specific_data.error.message
    assert "was refused by its blessing" in message, message
    assert champion_file.read_text() == before
