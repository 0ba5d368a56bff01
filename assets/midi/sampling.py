"""New tunes from the piano-roll model: primed with real frames, then one frame at a time."""

from __future__ import annotations

from typing import Any

import numpy as np

from assets.midi.rolls import LOWEST_PITCH, NUM_KEYS


def adjust_temperature(probabilities: np.ndarray, temperature: float) -> np.ndarray:
    """Sharpen (< 1) or flatten (> 1) Bernoulli probabilities by dividing their logits by ``temperature``."""
    if temperature <= 0:
        raise ValueError(f"temperature must be positive, got {temperature}")
    clipped = np.clip(probabilities, 1e-7, 1 - 1e-7)
    logits = np.log(clipped) - np.log1p(-clipped)
    return 1.0 / (1.0 + np.exp(-logits / temperature))


def generate(
    model: Any,
    primers: np.ndarray,
    new_frames: int,
    *,
    temperature: float,
    threshold: float,
    seed: int,
) -> np.ndarray:
    """Continue each primer (batch x frames x 88) by ``new_frames`` frames; returns primer + continuation.

    With ``threshold`` > 0 a key is on when its probability reaches it (deterministic); otherwise each
    key is drawn from its temperature-adjusted Bernoulli.
    """
    if primers.ndim != 3 or primers.shape[2] != NUM_KEYS or primers.shape[1] < 1:
        raise ValueError(f"primers must be (batch, frames >= 1, {NUM_KEYS}), got {primers.shape}")
    rng = np.random.default_rng(seed)
    sequences = primers.astype(np.float32)
    for _ in range(new_frames):
        # The whole sequence is re-run from a fresh state each step: simple, and tunes are short.
        probabilities = np.asarray(model.predict_on_batch(sequences))[:, -1, :]
        probabilities = adjust_temperature(probabilities, temperature)
        draws = rng.random(probabilities.shape)
        frame = probabilities >= threshold if threshold > 0 else draws < probabilities
        sequences = np.concatenate([sequences, frame[:, None, :].astype(np.float32)], axis=1)
    return sequences.astype(np.uint8)


def comparison_png(real: np.ndarray, sample: np.ndarray, real_name: str, primer_frames: int) -> bytes:
    """Two piano-roll pictures side by side: a real tune and a generated one (primer marked)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from assets.common.reports import figure_png

    figure, axes = plt.subplots(1, 2, figsize=(12, 4), sharey=True)
    active = np.flatnonzero(real.any(axis=0) | sample.any(axis=0))
    low, high = (active.min(), active.max()) if len(active) else (0, NUM_KEYS - 1)
    for axis, roll, title in ((axes[0], real, f"real: {real_name}"), (axes[1], sample, "sampled")):
        axis.imshow(
            roll.T,
            aspect="auto",
            origin="lower",
            cmap="Greys",
            interpolation="nearest",
            extent=(0, len(roll), LOWEST_PITCH - 0.5, LOWEST_PITCH + NUM_KEYS - 0.5),
        )
        axis.set_ylim(LOWEST_PITCH + low - 2, LOWEST_PITCH + high + 2)
        axis.set_title(title)
        axis.set_xlabel("frame (0.25 s)")
    axes[0].set_ylabel("MIDI pitch")
    axes[1].axvline(primer_frames, color="tab:red", linestyle="--", label="end of primer")
    axes[1].legend(loc="best")
    return figure_png(figure)
