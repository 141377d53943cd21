"""Profile the proxy training step on one CPU thread; compare avg_pool_3x3 implementations.

1. ``avg_pool_3x3`` forward+backward at the proxy's training shapes (batch 128) and
   forward at the official network's batch-1 shapes: ``nn.AvgPool2d(3, 1, 1,
   count_include_pad=False)`` vs the fixed depthwise conv / count map (``fast=True``),
   with a 3x3 convolution of the same width for scale.
2. One training epoch and one evaluation (valid + test) of the proxy for a few cells,
   reference vs fast pooling.
3. ``torch.profiler`` table of one epoch of a mixed cell: where the time goes.

Timings are process CPU seconds (one thread), median of repeats.

    .venv/bin/python bench/profile_train_step.py
"""

from __future__ import annotations

import platform
import statistics
import time

import torch
from torch import nn

from nasbench_kit.models._ops201 import AvgPool3x3, use_fast_avg_pool
from nasbench_kit.models.nb201 import build_nb201
from nasbench_kit.spaces import Cell201
from nasbench_kit.training import RECIPE, make_cluttered_digits

REPEATS = 9


def cpu_ms(fn, inner: int) -> float:
    samples = []
    for _ in range(REPEATS):
        start = time.process_time()
        for _ in range(inner):
            fn()
        samples.append((time.process_time() - start) / inner * 1e3)
    return statistics.median(samples)


def pool_table() -> None:
    print("\n### avg_pool_3x3: reference vs fast (ms per call, median of", REPEATS, "repeats)\n")
    print("| shape | pass | nn.AvgPool2d | fast (dwconv / count) | speed-up | conv3x3 same width |")
    print("|---|---|---|---|---|---|")
    ref, fast = AvgPool3x3(fast=False), AvgPool3x3(fast=True)
    for shape, backward in (((128, 8, 12, 12), True), ((128, 16, 6, 6), True), ((128, 32, 3, 3), True),
                            ((1, 16, 32, 32), False), ((1, 32, 16, 16), False), ((1, 64, 8, 8), False)):
        x = torch.randn(*shape, requires_grad=backward)
        conv = nn.Conv2d(shape[1], shape[1], 3, padding=1, bias=False)

        def run(module):
            if backward:
                return lambda: module(x).sum().backward()

            def forward():
                with torch.inference_mode():
                    module(x)
            return forward

        inner = 20 if backward else 100
        t_ref, t_fast, t_conv = cpu_ms(run(ref), inner), cpu_ms(run(fast), inner), cpu_ms(run(conv), inner)
        label = "fwd+bwd" if backward else "fwd"
        print(f"| {shape} | {label} | {t_ref:.3f} | {t_fast:.3f} | {t_ref / t_fast:.1f}x | {t_conv:.3f} |")


def epoch_table(data) -> None:
    print("\n### One proxy epoch (train, batch 128) and one evaluation (valid + test), CPU s\n")
    print("| cell | pool | layout | train epoch s | eval s |")
    print("|---|---|---|---|---|")
    train_x, train_y = data.train_rendering(0)
    x = torch.from_numpy(train_x).expand(-1, 3, -1, -1).contiguous()
    y = torch.from_numpy(train_y)
    xe = torch.from_numpy(data.valid_x).expand(-1, 3, -1, -1).contiguous()
    xe = torch.cat([xe, torch.from_numpy(data.test_x).expand(-1, 3, -1, -1)])
    for name, ops in (("all avg_pool_3x3", ("avg_pool_3x3",) * 6), ("all nor_conv_3x3", ("nor_conv_3x3",) * 6),
                      ("all skip_connect", ("skip_connect",) * 6),
                      ("mixed", ("nor_conv_3x3", "avg_pool_3x3", "nor_conv_1x1", "skip_connect", "avg_pool_3x3", "nor_conv_3x3"))):
        variants = [(False, False), (True, False), (True, True)] if "avg_pool_3x3" in ops else [(True, False), (True, True)]
        for fast, channels_last in variants:
            torch.manual_seed(0)
            net = use_fast_avg_pool(build_nb201(Cell201(ops), 10, C=RECIPE["C"], N=RECIPE["N"]), fast)
            layout = torch.channels_last if channels_last else torch.contiguous_format
            net = net.to(memory_format=layout)
            xt, xv = x.contiguous(memory_format=layout), xe.contiguous(memory_format=layout)
            opt = torch.optim.SGD(net.parameters(), lr=0.1, momentum=0.9, nesterov=True, weight_decay=5e-4)

            def epoch():
                net.train()
                for s in range(0, len(y), RECIPE["batch_size"]):
                    loss = nn.functional.cross_entropy(net(xt[s : s + RECIPE["batch_size"]]), y[s : s + RECIPE["batch_size"]])
                    opt.zero_grad()
                    loss.backward()
                    opt.step()

            def evaluate():
                net.eval()
                with torch.inference_mode():
                    for s in range(0, len(xv), 512):
                        net(xv[s : s + 512])

            print(f"| {name} | {'fast' if fast else 'nn.AvgPool2d'} | {'channels_last' if channels_last else 'NCHW'} | "
                  f"{cpu_ms(epoch, 1) / 1e3:.3f} | "
                  f"{cpu_ms(evaluate, 1) / 1e3:.3f} |")


def profile_mixed(data) -> None:
    ops = ("nor_conv_3x3", "avg_pool_3x3", "nor_conv_1x1", "skip_connect", "avg_pool_3x3", "nor_conv_3x3")
    net = use_fast_avg_pool(build_nb201(Cell201(ops), 10, C=RECIPE["C"], N=RECIPE["N"]))
    net = net.to(memory_format=torch.channels_last)
    opt = torch.optim.SGD(net.parameters(), lr=0.1, momentum=0.9, nesterov=True, weight_decay=5e-4)
    train_x, train_y = data.train_rendering(0)
    x = torch.from_numpy(train_x).expand(-1, 3, -1, -1).contiguous(memory_format=torch.channels_last)
    y = torch.from_numpy(train_y)
    from torch.profiler import ProfilerActivity, profile

    with profile(activities=[ProfilerActivity.CPU]) as prof:
        for s in range(0, len(y), RECIPE["batch_size"]):
            loss = nn.functional.cross_entropy(net(x[s : s + RECIPE["batch_size"]]), y[s : s + RECIPE["batch_size"]])
            opt.zero_grad()
            loss.backward()
            opt.step()
    print("\n### torch.profiler, one epoch of the mixed cell (fast pool, channels_last), top ops by self CPU time\n")
    print("```")
    print(prof.key_averages().table(sort_by="self_cpu_time_total", row_limit=15))
    print("```")


def main() -> None:
    torch.set_num_threads(1)
    print(f"python {platform.python_version()}, torch {torch.__version__}, {platform.machine()}, 1 thread")
    data = make_cluttered_digits(seed=0)
    pool_table()
    epoch_table(data)
    profile_mixed(data)


if __name__ == "__main__":
    main()
