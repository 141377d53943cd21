"""Size and cost of a model: trainable parameters and forward FLOPs."""

from __future__ import annotations

from collections.abc import Sequence


def count_params(model) -> int:
    """Number of trainable parameters of a ``torch.nn.Module``."""
    return int(sum(p.numel() for p in model.parameters() if p.requires_grad))


def count_flops(model, input_shape: Sequence[int] = (1, 3, 32, 32)) -> int:
    """Forward FLOPs of ``model`` on one zero batch of ``input_shape``.

    Uses ``torch.utils.flop_counter.FlopCounterMode`` (no extra dependency), which counts
    a multiply-add as 2 FLOPs and covers matrix products and convolutions only: pooling,
    activations and batch norm are not counted, as in most NAS papers.

    Args:
        model: the network; it is switched to eval mode for the count.
        input_shape: ``(batch, channels, height, width)``.

    Returns:
        Total FLOPs for the whole batch.
    """
    import torch
    from torch.utils.flop_counter import FlopCounterMode

    was_training = model.training
    model.eval()
    try:
        counter = FlopCounterMode(display=False)
        with counter, torch.no_grad():
            model(torch.zeros(*input_shape))
        return int(counter.get_total_flops())
    finally:
        model.train(was_training)
