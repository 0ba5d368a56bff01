"""Sampling text from a trained character LSTM: a plain function, usable outside Dagster.

The LSTM is stepped one character at a time in NumPy from the Keras weights (Keras gate order
input, forget, cell, output), which is far faster than one Keras call per character.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from assets.lyrics.vocabulary import END_ID, START_ID, UNKNOWN_ID, Vocabulary

TEMPERATURES = (0.2, 0.5, 1.0, 1.5)
PRIMES = ("Why", "Well")


@dataclass(frozen=True)
class CharLM:
    """A trained model's weights as NumPy arrays, its vocabulary, and whether it takes an artist."""

    vocabulary: Vocabulary
    character_embedding: np.ndarray
    artist_embedding: np.ndarray | None
    kernel: np.ndarray
    recurrent_kernel: np.ndarray
    bias: np.ndarray
    output_kernel: np.ndarray
    output_bias: np.ndarray

    @classmethod
    def from_keras(cls, model: Any, vocabulary: Vocabulary) -> CharLM:
        names = {layer.name for layer in model.layers}
        kernel, recurrent_kernel, bias = (np.asarray(weight) for weight in model.get_layer("lstm").get_weights())
        output_kernel, output_bias = (np.asarray(weight) for weight in model.get_layer("next_character").get_weights())
        return cls(
            vocabulary,
            np.asarray(model.get_layer("character_embedding").get_weights()[0]),
            np.asarray(model.get_layer("artist_embedding").get_weights()[0]) if "artist_embedding" in names else None,
            kernel,
            recurrent_kernel,
            bias,
            output_kernel,
            output_bias,
        )

    @property
    def conditioned(self) -> bool:
        return self.artist_embedding is not None

    def step(self, token: int, state: tuple[np.ndarray, np.ndarray], artist: int | None) -> tuple[np.ndarray, Any]:
        """Next-token logits after reading ``token``, and the new (hidden, cell) state."""
        features = self.character_embedding[token]
        if self.artist_embedding is not None:
            if artist is None:
                raise ValueError("this model is conditioned on the artist: pass artist=<name>")
            features = np.concatenate([features, self.artist_embedding[artist]])
        hidden, cell = state
        gates = features @ self.kernel + hidden @ self.recurrent_kernel + self.bias
        input_gate, forget_gate, candidate, output_gate = np.split(gates, 4)
        cell = _sigmoid(forget_gate) * cell + _sigmoid(input_gate) * np.tanh(candidate)
        hidden = _sigmoid(output_gate) * np.tanh(cell)
        return hidden @ self.output_kernel + self.output_bias, (hidden, cell)

    def zero_state(self) -> tuple[np.ndarray, np.ndarray]:
        units = self.recurrent_kernel.shape[0]
        return np.zeros(units), np.zeros(units)


def _sigmoid(values: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-values))


def sample(
    model: CharLM,
    prime: str,
    temperature: float,
    length: int,
    seed: int,
    artist: str | None = None,
    context: str = "",
) -> str:
    """``prime`` followed by up to ``length`` sampled characters (fewer when the model ends the song).

    ``context`` (a real song) is read first, from its start to its end token, so that the new song starts
    from a state the model knows: trained with stateful TBPTT over streams of songs back to back, it saw
    a song start from the zero state only once per stream and epoch, and from the end of the previous
    song every other time. Start and unknown tokens are never drawn; the artist is required by a
    conditioned model.
    """
    if temperature <= 0:
        raise ValueError(f"temperature must be positive, got {temperature}")
    if length < 0:
        raise ValueError(f"length must be non-negative, got {length}")
    rng = np.random.default_rng(seed)
    artist_id = model.vocabulary.artist_id(artist) if artist is not None else None
    state = model.zero_state()
    for token in model.vocabulary.encode(context) if context else ():
        _, state = model.step(int(token), state, artist_id)
    primed = model.vocabulary.encode(prime)[:-1]  # start token and the prime, without the end token
    for token in primed:
        logits, state = model.step(int(token), state, artist_id)
    generated: list[int] = []
    for _ in range(length):
        scaled = logits / temperature
        scaled[[START_ID, UNKNOWN_ID]] = -np.inf
        probabilities = np.exp(scaled - scaled.max())
        token = int(rng.choice(len(probabilities), p=probabilities / probabilities.sum()))
        if token == END_ID:
            break
        generated.append(token)
        logits, state = model.step(token, state, artist_id)
    return prime + model.vocabulary.decode(generated)


def samples_table(rows: list[dict[str, Any]]) -> str:
    """A Markdown table of samples; line breaks shown as ``⏎`` so each sample stays on one row."""
    lines = ["| model | artist | prime | temperature | distinct 3-gram ratio | sample |", "|---|---|---|---|---|---|"]
    for row in rows:
        text = row["text"].replace("|", "\\|").replace("\n", " ⏎ ")
        lines.append(
            f"| {row['model']} | {row['artist'] or '–'} | {row['prime']} | {row['temperature']} | "
            f"{row['distinct_3gram_ratio']:.3f} | {text} |"
        )
    return "\n".join(lines) + "\n"
