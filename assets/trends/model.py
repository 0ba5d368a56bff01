"""The forecaster: a two-layer LSTM reading a window of daily plays and predicting the next days directly.

Direct multi-step: one forward pass gives all `horizon` days. Longer forecasts (the 60-day
`play_forecast`) feed the first block's predictions back as inputs for the next block.
The loss matches the competition metric: per window sqrt(mean_k((S_k / T_k - 1)^2)) with S/T taken as
exp(predicted - true) on the log1p scale, each window weighted by phi (sqrt of its target plays).
"""

from __future__ import annotations

import keras
from keras import layers, ops

LOG_RATIO_LIMIT = 5.0  # exp(5) = 148x: keeps the loss finite early in training


@keras.saving.register_keras_serializable(package="encore_trends")
def relative_error_loss(true_relative, predicted_relative):
    """sqrt(mean_k((S/T - 1)^2)) per window, on log-ratio targets (Keras weights it per window)."""
    log_ratio = ops.clip(predicted_relative - true_relative, -LOG_RATIO_LIMIT, LOG_RATIO_LIMIT)
    return ops.sqrt(ops.mean(ops.square(ops.exp(log_ratio) - 1.0), axis=-1) + 1e-6)


def build_model(
    input_days: int,
    horizon: int,
    first_units: int,
    second_units: int,
    dropout: float,
    learning_rate: float,
) -> keras.Model:
    """LSTM(first_units) -> LSTM(second_units) -> Dense(horizon) of log-ratios to the recent median."""
    if min(input_days, horizon, first_units, second_units) < 1:
        raise ValueError("input_days, horizon and unit counts must all be positive")
    inputs = keras.Input(shape=(input_days, 1), name="plays_window")
    hidden = layers.LSTM(first_units, return_sequences=True, name="lstm_first")(inputs)
    hidden = layers.LSTM(second_units, name="lstm_second")(hidden)
    hidden = layers.Dropout(dropout, name="dropout")(hidden)
    # Zero-initialised output: training starts from the median baseline (log ratio 0) and moves away from it.
    outputs = layers.Dense(horizon, kernel_initializer="zeros", name="log_ratio_to_median")(hidden)
    model = keras.Model(inputs, outputs, name="play_forecaster")
    model.compile(optimizer=keras.optimizers.Adam(learning_rate), loss=relative_error_loss)
    return model
