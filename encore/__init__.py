"""Encore's command-line launcher (``encore``); the code location itself is ``pipelines``."""
