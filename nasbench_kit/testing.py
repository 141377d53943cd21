"""Contract checks that any search space (built-in or user-written) can run.

Use them in your own tests::

    from nasbench_kit.testing import check_search_space
    check_search_space(MySpace())          # raises ContractError on the first violation

Each check exercises the public interface only, so a space written by a student is
graded exactly like the built-in ones.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from .errors import ContractError, OutOfSpaceError, UnknownNameError
from .spaces.base import ENCODING_KINDS, SearchSpace
from .testing_strategy import check_strategy

__all__ = ["ContractError", "check_search_space", "check_strategy"]


def _require(condition: bool, message: str) -> None:
    if not condition:
        raise ContractError(message)


def check_search_space(space: SearchSpace, *, seed: int = 0, n_samples: int = 30) -> list[str]:
    """Run the :class:`~nasbench_kit.spaces.base.SearchSpace` contract against ``space``.

    Args:
        space: the space to check.
        seed: seed of the ``numpy.random.Generator`` used for sampling.
        n_samples: how many sampled architectures each check uses.

    Returns:
        The names of the checks that passed, in order.

    Raises:
        ContractError: on the first violated rule, naming the rule and the architecture.

    Example:
        >>> from nasbench_kit.spaces import NB201Space
        >>> "mutate" in check_search_space(NB201Space(), n_samples=5)
        True
    """
    name = type(space).__name__
    rng = np.random.default_rng(seed)
    archs = [space.sample(rng) for _ in range(n_samples)]
    passed: list[str] = []

    def check(label: str, fn: Callable[[], None]) -> None:
        fn()
        passed.append(label)

    def sample_is_member_and_seeded() -> None:
        first = space.sample(np.random.default_rng(seed))
        _require(first == space.sample(np.random.default_rng(seed)),
                 f"{name}.sample is not reproducible with the same seed")
        for arch in archs:
            hash(arch)  # architectures must be hashable values
            _require(space.validate(arch) == arch, f"{name}.validate changed sampled {arch!r}")

    def string_round_trip() -> None:
        for arch in archs:
            text = str(arch)
            _require(isinstance(text, str) and text != "", f"{name}: str({arch!r}) is empty")
            _require(space.parse(text) == arch, f"{name}.parse(str(a)) != a for {arch!r}")
            _require(isinstance(repr(arch), str), f"{name}: repr failed for {arch!r}")

    def mutate() -> None:
        for arch in archs:
            child = space.mutate(arch, np.random.default_rng(seed))
            _require(child != arch, f"{name}.mutate returned its parent {arch!r}")
            _require(space.validate(child) == child, f"{name}.mutate left the space: {child!r}")
            twin = space.mutate(arch, np.random.default_rng(seed))
            _require(child == twin, f"{name}.mutate is not reproducible with the same seed")

    def neighbors() -> None:
        for arch in archs[:5]:
            found = space.neighbors(arch)
            _require(isinstance(found, list) and len(found) > 0, f"{name}.neighbors({arch!r}) is empty")
            _require(arch not in found, f"{name}.neighbors({arch!r}) contains the architecture itself")
            _require(len(set(found)) == len(found), f"{name}.neighbors({arch!r}) has duplicates")
            for other in found:
                _require(space.validate(other) == other, f"{name}.neighbors left the space: {other!r}")
            _require(found == space.neighbors(arch), f"{name}.neighbors order is not deterministic")

    def crossover() -> None:
        for a, b in zip(archs[::2], archs[1::2]):
            child = space.crossover(a, b, np.random.default_rng(seed))
            _require(space.validate(child) == child, f"{name}.crossover left the space: {child!r}")

    def encodings() -> None:
        for kind in ENCODING_KINDS:
            length = space.encoding_length(kind)
            _require(isinstance(length, int) and length > 0, f"{name}.encoding_length({kind!r}) = {length!r}")
            many = space.encode_many(archs, kind)
            _require(many.shape == (len(archs), length),
                     f"{name}.encode_many(kind={kind!r}) has shape {many.shape}, expected {(len(archs), length)}")
            for row, arch in zip(many, archs):
                vec = space.encode(arch, kind)
                _require(isinstance(vec, np.ndarray) and vec.shape == (length,),
                         f"{name}.encode({arch!r}, {kind!r}) has shape {getattr(vec, 'shape', None)}, expected ({length},)")
                _require(bool(np.all(np.isfinite(vec))), f"{name}.encode({arch!r}, {kind!r}) is not finite")
                _require(np.array_equal(vec, row), f"{name}.encode_many differs from encode for {arch!r} ({kind})")
        try:
            space.encode(archs[0], "no-such-encoding")
        except UnknownNameError:
            pass
        else:
            raise ContractError(f"{name}.encode accepted an unknown encoding kind")

    def canonical() -> None:
        for arch in archs:
            key = space.canonical(arch)
            _require(isinstance(key, str) and key != "", f"{name}.canonical({arch!r}) is not a non-empty str")
            _require(key == space.canonical(space.parse(str(arch))), f"{name}.canonical is not deterministic")

    def rejects_garbage() -> None:
        for junk in (None, 42, "not an architecture"):
            try:
                space.validate(junk)  # type: ignore[arg-type]
            except OutOfSpaceError:
                continue
            raise ContractError(f"{name}.validate({junk!r}) did not raise OutOfSpaceError")
        try:
            space.parse("%%% not an architecture %%%")
        except OutOfSpaceError:
            pass
        else:
            raise ContractError(f"{name}.parse accepted garbage")

    def enumeration() -> None:
        if not space.is_finite:
            return
        _require(len(space) > 0, f"len({name}) is not positive")
        for i, arch in enumerate(iter(space)):
            _require(space.validate(arch) == arch, f"iter({name}) yielded a non-member {arch!r}")
            if i >= 20:
                break

    check("sample", sample_is_member_and_seeded)
    check("string round-trip", string_round_trip)
    check("mutate", mutate)
    check("neighbors", neighbors)
    check("crossover", crossover)
    check("encodings", encodings)
    check("canonical", canonical)
    check("rejects garbage", rejects_garbage)
    check("enumeration", enumeration)
    return passed
