"""The one Dagster instance that every command run from the checkout shares.

Dagster 1.13 decides its instance before it loads any code: ``dagster asset materialize`` and
``dagster dev`` without ``DAGSTER_HOME`` use a temporary folder deleted when they exit, and
``dagster-daemon`` refuses to start. The only thing Dagster reads first is a ``.env`` file in the
working directory, which only sets variables: its values override an exported ``DAGSTER_HOME``, its
``${VAR:-default}`` defaults do not nest (no default under ``ENCORE_HOME`` or ``$PWD``), and nothing creates
the folder, which must exist. So the ``encore`` launcher does it:

    encore dagster asset materialize ...   /   encore dagster dev   /   encore dagster-daemon run

sets ``DAGSTER_HOME`` to ``<ENCORE_HOME>/dagster`` unless it is already set, creates that folder with
the repository's ``dagster.yaml`` in it (rewritten whenever the repository's differs, so the shipped
pools and run limits are the ones in force), and execs the command. An exported ``DAGSTER_HOME`` is
used as it is, and its folder is not touched.
"""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
from collections.abc import Mapping, Sequence
from pathlib import Path

from resources.settings import encore_home

REPOSITORY = Path(__file__).resolve().parents[1]
SHIPPED_CONFIG = REPOSITORY / "dagster.yaml"
INSTANCE_FOLDER = "dagster"
USAGE = "usage: encore COMMAND [ARGS...]   e.g. encore dagster dev, encore dagster-daemon run"


def default_dagster_home(environment: Mapping[str, str] | None = None) -> Path:
    """``<ENCORE_HOME>/dagster`` for ``environment`` (default: this process's), absolute."""
    environment = os.environ if environment is None else environment
    return encore_home(environment.get("ENCORE_HOME", "")) / INSTANCE_FOLDER


def prepare_instance_folder(folder: Path, config: Path = SHIPPED_CONFIG) -> Path:
    """Create ``folder`` and put ``config`` in it as ``dagster.yaml`` unless an identical copy is there."""
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / "dagster.yaml"
    shipped = config.read_bytes()
    if not target.exists() or target.read_bytes() != shipped:
        # Written beside and renamed: two launches at once never leave a half-written config.
        with tempfile.NamedTemporaryFile(dir=folder, prefix=".dagster.yaml.", delete=False) as partial:
            partial.write(shipped)
        os.replace(partial.name, target)
    return folder


def instance_environment(environment: Mapping[str, str] | None = None) -> dict[str, str]:
    """``environment`` (default: this process's) with the shared instance: an explicit ``DAGSTER_HOME``
    is kept as it is; otherwise it is ``<ENCORE_HOME>/dagster``, prepared, and ``ENCORE_HOME`` is made
    absolute so every process that Dagster starts agrees on both."""
    result = dict(os.environ if environment is None else environment)
    if result.get("DAGSTER_HOME"):
        return result
    home = encore_home(result.get("ENCORE_HOME", ""))
    result["ENCORE_HOME"] = str(home)
    result["DAGSTER_HOME"] = str(prepare_instance_folder(home / INSTANCE_FOLDER))
    return result


def _program(name: str) -> str:
    """``name`` from this Python's ``bin`` folder (the venv's dagster), else from ``PATH``."""
    beside = Path(sys.executable).parent / name
    if os.sep not in name and beside.is_file() and os.access(beside, os.X_OK):
        return str(beside)
    found = shutil.which(name)
    if found is None:
        raise SystemExit(f"encore: {name}: command not found")
    return found


def main(argv: Sequence[str] | None = None) -> None:
    """``encore COMMAND [ARGS...]``: run COMMAND (``dagster``, ``dagster-daemon``, ``dagster-webserver``,
    ...) with the shared instance as its default ``DAGSTER_HOME``."""
    arguments = list(sys.argv[1:] if argv is None else argv)
    if not arguments or arguments[0] in ("-h", "--help"):
        print(USAGE, file=sys.stderr if not arguments else sys.stdout)
        raise SystemExit(0 if arguments else 2)
    environment = instance_environment()
    print(f"encore: Dagster instance {environment['DAGSTER_HOME']}", file=sys.stderr)
    program = _program(arguments[0])
    os.execve(program, [arguments[0], *arguments[1:]], environment)


if __name__ == "__main__":  # python -m resources.instance COMMAND [ARGS...], the same as `encore`
    main()
