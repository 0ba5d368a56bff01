"""Encore's Dagster code location (``dagster dev -m pipelines`` or ``workspace.yaml``)."""

from pipelines.definitions import defs

__all__ = ["defs"]
