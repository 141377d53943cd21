"""Compare an imported NAS-Bench-201-space table with an official reader, value by value."""

from __future__ import annotations

import math

import pandas as pd


def _same(theirs, ours: float) -> bool:
    if theirs is None:
        return math.isnan(ours)
    return math.isclose(float(theirs), float(ours), rel_tol=1e-6, abs_tol=1e-4)


def compare_with_official(api, frame: pd.DataFrame) -> int:
    """Assert every value of every row and epoch equals the official API's; returns the count."""
    compared = 0
    for row in frame.itertuples():
        hp = "12" if row.schedule_epochs == 12 else "200"  # fixtures may shorten the long schedule
        cost = api.get_cost_info(int(row.official_index), row.dataset, hp=hp)
        assert round(cost["params"] * 1e6) == row.params, (row.official_index, row.dataset, cost["params"], row.params)
        assert math.isclose(cost["flops"] * 1e6, row.flops, rel_tol=1e-9), (cost["flops"], row.flops)
        result = api.arch2infos_dict[int(row.official_index)][hp].query(row.dataset, int(row.seed))
        assert math.isclose(result.get_latency() * 1000, row.latency_ms_nb201, rel_tol=1e-9)
        for epoch in range(int(row.schedule_epochs)):
            info = api.get_more_info(int(row.official_index), row.dataset, iepoch=epoch, hp=hp, is_random=int(row.seed))
            pairs = [
                ("train-accuracy", row.train_acc), ("train-loss", row.train_loss), ("train-all-time", row.train_seconds),
                ("valid-accuracy", row.valid_acc), ("valid-loss", row.valid_loss),
                ("test-accuracy", row.test_acc), ("test-loss", row.test_loss),
                ("valtest-accuracy", row.valtest_acc), ("valtest-loss", row.valtest_loss),
            ]
            if "valid-all-time" in info:
                pairs.append(("valid-all-time", row.eval_seconds))
            for key, ours in pairs:
                assert _same(info.get(key), ours[epoch]), (
                    row.official_index, row.dataset, hp, row.seed, epoch, key, info.get(key), ours[epoch])
                compared += 1
    return compared
