"""Streaming a big pickled dict item by item gives exactly what ``pickle.loads`` gives."""

from __future__ import annotations

import collections
import io
import pickle

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from nasbench_kit.benchmarks.importers._pickle_stream import PickleItemStream, UnstreamableLayout
from nasbench_kit.benchmarks.importers._safe_pickle import RestrictedUnpickler
from nasbench_kit.errors import BenchmarkFormatError


def stream_load(blob: bytes) -> tuple[dict, int]:
    """Rebuild the top dict from the streamed items and skeleton; also the largest item memo."""
    reader = PickleItemStream(io.BytesIO(blob), source="test.pth", key="arch2infos")
    items, largest = {}, 0
    for item in reader:
        objects = {g: reader.lookup(g)[1] for g in item.cross}
        if not all(reader.lookup(g)[0] for g in item.cross):
            raise UnstreamableLayout("an item refers to an unknown earlier object")  # as the importer does
        unpickler = RestrictedUnpickler(io.BytesIO(item.payload), source="t", objects=objects)
        items[item.key] = unpickler.load()
        memo = unpickler.memo.copy()
        largest = max(largest, max(memo, default=0))
        reader.add_shared({item.base + k - item.local_base: v for k, v in memo.items()
                           if isinstance(v, np.dtype) and k >= item.local_base})
    skeleton = reader.skeleton()
    top = RestrictedUnpickler(io.BytesIO(skeleton.payload), source="t",
                              objects={g: reader.lookup(g)[1] for g in skeleton.cross}).load()
    assert top["arch2infos"] == {}
    top["arch2infos"] = items
    return top, largest


def arch_value(i: int) -> collections.OrderedDict:
    shared_key = "train_acc1es"  # the same object everywhere: memoized once, referenced later
    return collections.OrderedDict([
        ("12", {shared_key: {e: float(e + i) for e in range(3)}, "params": np.float64(i / 7),
                "eval": {f"x-valid@{e}": e / 3 for e in range(3)}, "one": {0: 1.5}, "seed": f"{i:04d}"}),
        ("200", {shared_key: [i, i + 0.5], "latency": [np.float64(0.01 * i)], "t": (i, "cifar10")}),
    ])


@pytest.mark.parametrize("protocol", [2, 4])
def test_many_items_across_batches_round_trip(protocol):
    # 2,500 items: three SETITEMS batches; items share strings, classes and dtypes with earlier ones
    data = {"meta_archs": [f"|a{i}|" for i in range(2500)], "arch2infos": {i: arch_value(i) for i in range(2500)},
            "evaluated_indexes": set(range(2500)), "total_archs": 2500}
    top, largest = stream_load(pickle.dumps(data, protocol=protocol))
    assert top == data
    assert largest < 200  # each item's memo is renumbered from ~0, not up to ~10^5


def test_keys_after_the_big_dict_land_in_the_skeleton():
    data = {"arch2infos": {i: {"less": [i], "full": {"x": i}} for i in range(5)}, "meta_archs": ["a"] * 5}
    assert stream_load(pickle.dumps(data, protocol=2))[0] == data


def plain_values(text: st.SearchStrategy) -> st.SearchStrategy:
    return st.recursive(
        st.none() | st.booleans() | st.integers(-2**40, 2**40) | st.floats(allow_nan=False) | text,
        lambda inner: st.lists(inner, max_size=4) | st.dictionaries(text, inner, max_size=4) | st.tuples(inner, inner),
        max_leaves=10,
    )


plain = plain_values(st.text(max_size=12) | st.sampled_from(["train", "x-valid@3", "cifar10"]))
# Strings the reader remembers for later items (no '@', not starting with '|', short): real keys.
keyish = plain_values(st.text(alphabet="abcx-_0123456789", max_size=12))


@settings(max_examples=25, deadline=None)
@given(st.dictionaries(st.integers(0, 10_000), plain, min_size=2, max_size=12), st.sampled_from([2, 4]))
def test_streamed_items_equal_pickle_loads_or_the_layout_is_refused(items, protocol):
    # Values that are not containers can make item boundaries ambiguous; the reader must then
    # say so (the importers fall back to a whole-file load), never return something else.
    data = {"meta_archs": ["x"], "arch2infos": items}
    try:
        top = stream_load(pickle.dumps(data, protocol=protocol))[0]
    except UnstreamableLayout:
        return
    assert top == pickle.loads(pickle.dumps(data))


@settings(max_examples=15, deadline=None)
@given(st.dictionaries(st.integers(0, 10_000), st.dictionaries(st.text(alphabet="abc", max_size=5), keyish, min_size=2, max_size=4),
                       min_size=2, max_size=12), st.sampled_from([2, 4]))
def test_dict_valued_items_always_stream(items, protocol):
    # the official releases' shape: every item is a dict with several keys
    data = {"meta_archs": ["x"], "arch2infos": items}
    assert stream_load(pickle.dumps(data, protocol=protocol))[0] == pickle.loads(pickle.dumps(data))


def test_a_pickle_without_the_big_dict_is_one_skeleton():
    top, _ = stream_load(pickle.dumps({"meta_archs": [], "arch2infos": {}}))
    assert top == {"meta_archs": [], "arch2infos": {}}


def test_truncated_stream_is_a_clear_error():
    blob = pickle.dumps({"arch2infos": {i: {"a": [i] * 50} for i in range(10)}})
    with pytest.raises(BenchmarkFormatError, match="truncated"):
        list(PickleItemStream(io.BytesIO(blob[: len(blob) // 2]), source="cut.pth", key="arch2infos"))


def test_garbage_is_a_clear_error():
    with pytest.raises(BenchmarkFormatError, match="junk.pth"):
        list(PickleItemStream(io.BytesIO(b"\x80\x02}q\x00(\xff\xfe"), source="junk.pth", key="arch2infos"))
