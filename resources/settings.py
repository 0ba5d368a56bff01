"""Where Encore keeps things: ``ENCORE_HOME`` (default ``.encore`` under the working directory)."""

from __future__ import annotations

import os
from pathlib import Path

DEFAULT_HOME = ".encore"


def encore_home(configured: str = "") -> Path:
    """The configured home, else ``$ENCORE_HOME``, else ``./.encore``; always absolute."""
    return Path(configured or os.environ.get("ENCORE_HOME") or DEFAULT_HOME).expanduser().resolve()
