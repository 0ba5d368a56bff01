"""The training resource: picks the device, seeds everything, and says where TensorBoard logs go."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any, Literal

import dagster as dg
from pydantic import Field, PrivateAttr

from resources.settings import encore_home

logger = logging.getLogger(__name__)


class GpuUnavailableError(RuntimeError):
    """``device='gpu'`` was asked for on a machine where TensorFlow sees no GPU."""


class TrainingResource(dg.ConfigurableResource):
    """Where and how models train. Every ``*_model`` asset requires it."""

    device: Literal["auto", "cpu", "gpu"] = Field(
        default="auto", description="auto: GPU when TensorFlow sees one, else CPU. gpu: fail without one."
    )
    seed: int = Field(default=42, description="Seed for Python, NumPy and TensorFlow.")
    mixed_precision: bool = Field(default=False, description="mixed_float16 on GPU (ignored on CPU).")
    distribution: Literal["default", "mirrored"] = Field(
        default="default", description="default: one device. mirrored: MirroredStrategy over all visible GPUs."
    )
    log_dir: str = Field(default="", description="TensorBoard root; empty means <home>/lake/<domain>/tensorboard.")
    home: str = Field(default="", description="Encore home folder; empty means $ENCORE_HOME or ./.encore.")

    _device_name: str = PrivateAttr(default="")

    def setup_for_execution(self, context: dg.InitResourceContext) -> None:
        self._device_name = self.prepare()
        if context.log is not None:
            context.log.info(f"training on {self._device_name} (seed {self.seed})")

    def prepare(self) -> str:
        """Pick the device, seed every generator, set the precision policy; return the device name."""
        import keras
        import tensorflow as tf

        gpus = tf.config.list_physical_devices("GPU")
        if self.device == "gpu" and not gpus:
            raise GpuUnavailableError(
                "TrainingResource(device='gpu') but TensorFlow sees no GPU. Use device='auto' to fall back to "
                "the CPU, or check the CUDA drivers on this machine."
            )
        use_gpu = bool(gpus) and self.device != "cpu"
        if not use_gpu:
            if gpus:
                self._hide_gpus(tf)
            else:
                logger.info("no GPU found: training on the CPU")
            # Identical results for one seed on CPU; GPU kernels stay fast and nondeterministic.
            tf.config.experimental.enable_op_determinism()
        keras.utils.set_random_seed(self.seed)
        if use_gpu and self.mixed_precision:
            keras.mixed_precision.set_global_policy("mixed_float16")
        return f"GPU x{len(gpus)}" if use_gpu else "CPU"

    @staticmethod
    def _hide_gpus(tf: Any) -> None:
        try:
            tf.config.set_visible_devices([], "GPU")
        except RuntimeError:
            logger.warning("GPUs were already initialised in this process; cannot hide them")

    @property
    def device_name(self) -> str:
        return self._device_name or "not prepared"

    def strategy(self) -> Any:
        import tensorflow as tf

        if self.distribution == "mirrored":
            return tf.distribute.MirroredStrategy()
        return tf.distribute.get_strategy()

    def tensorboard_dir(self, domain: str, task: str) -> Path:
        root = Path(self.log_dir) if self.log_dir else encore_home(self.home) / "lake" / domain / "tensorboard"
        path = root / task
        path.mkdir(parents=True, exist_ok=True)
        return path
