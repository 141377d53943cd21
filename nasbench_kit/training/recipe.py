"""The default proxy training recipe of the cluttered-digits benchmark (one dict, no imports).

Kept apart so that the trainer and the proxy-size helpers can both use it.
"""

__all__ = ["RECIPE"]

#: Default proxy recipe (measured: bench/RESULTS.md, "Digits recipe").
RECIPE = {
    "epochs": 3,
    "C": 8,
    "N": 2,
    "batch_size": 64,
    "lr": 0.1,
    "momentum": 0.9,
    "weight_decay": 5e-4,
    "nesterov": True,
    "curve_renders": 1,  # epochs before the last are scored on 1 rendering (see train_cell's curve_renders)
    "ema_decay": 0.95,  # evaluate a Polyak average of the weights (see train_cell's ema_decay)
}
