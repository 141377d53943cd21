"""The :class:`SearchSpace` interface every space (built-in or user-written) implements.

Architectures are immutable, hashable values (frozen dataclasses). A space never holds
random state: every random operation takes a ``numpy.random.Generator``.
``nasbench_kit.testing.check_search_space`` runs the contract below against any space.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterator, Sequence
import operator
from typing import Generic, Protocol, TypeVar, runtime_checkable

import numpy as np

from ..errors import InfiniteSpaceError, OutOfSpaceError, UnknownNameError

A = TypeVar("A")

#: Encoding kinds every space understands (see :meth:`SearchSpace.encode`).
ENCODING_KINDS: tuple[str, ...] = ("onehot", "adjacency", "path")


class SearchSpace(ABC, Generic[A]):
    """A set of architectures with the operations a NAS strategy needs.

    Subclasses implement the abstract methods; ``__len__``/``__iter__`` only when the
    space is finite and cheap enough to enumerate (``is_finite``).

    Contract (checked by ``nasbench_kit.testing.check_search_space``):

    * ``sample(rng)``, ``mutate(arch, rng)``, ``crossover(a, b, rng)`` and every element of
      ``neighbors(arch)`` are members of the space (``validate`` accepts them);
    * ``mutate`` and ``neighbors`` return architectures that differ from the parent;
    * ``parse(str(arch)) == arch``;
    * ``encode(arch, kind)`` returns a 1-D float array of length ``encoding_length(kind)``;
    * ``canonical`` is equal for isomorphic (functionally identical) architectures.
    """

    #: Short machine name, e.g. ``"nb201"``.
    name: str = "space"

    # --- sampling and variation -------------------------------------------------------
    @abstractmethod
    def sample(self, rng: np.random.Generator) -> A:
        """Draw one architecture uniformly (or as documented by the space)."""

    @abstractmethod
    def mutate(self, arch: A, rng: np.random.Generator) -> A:
        """Return a random architecture one mutation away from ``arch`` (never ``arch``)."""

    @abstractmethod
    def neighbors(self, arch: A) -> list[A]:
        """Return every architecture one mutation away from ``arch``, in a fixed order."""

    @abstractmethod
    def crossover(self, a: A, b: A, rng: np.random.Generator) -> A:
        """Return a child mixing the decisions of ``a`` and ``b``."""

    # --- identity -----------------------------------------------------------------------
    @abstractmethod
    def validate(self, arch: A) -> A:
        """Return ``arch`` if it is a member of the space, else raise ``OutOfSpaceError``."""

    @abstractmethod
    def parse(self, text: str) -> A:
        """Parse the space's string format (the inverse of ``str(arch)``)."""

    @abstractmethod
    def canonical(self, arch: A) -> str:
        """A string equal for exactly the architectures that compute the same function."""

    # --- encodings ----------------------------------------------------------------------
    @abstractmethod
    def encode(self, arch: A, kind: str = "onehot") -> np.ndarray:
        """Fixed-length float vector for predictors; ``kind`` in :data:`ENCODING_KINDS`."""

    def encode_many(self, archs: Sequence[A], kind: str = "onehot") -> np.ndarray:
        """Encode many architectures into a 2-D array ``(len(archs), encoding_length)``.

        Spaces override this with a vectorized version where it matters.
        """
        self._check_kind(kind)
        length = self.encoding_length(kind)
        out = np.empty((len(archs), length), dtype=np.float32)
        for row, arch in enumerate(archs):
            out[row] = self.encode(arch, kind)
        return out

    @abstractmethod
    def encoding_length(self, kind: str = "onehot") -> int:
        """Length of the vector ``encode(arch, kind)`` returns."""

    def _check_kind(self, kind: str) -> None:
        if kind not in ENCODING_KINDS:
            raise UnknownNameError(f"encoding kind {kind!r} is unknown; use one of {ENCODING_KINDS}")

    # --- enumeration ----------------------------------------------------------------------
    @property
    def is_finite(self) -> bool:
        """True if ``len(space)`` and ``iter(space)`` are available."""
        return False

    def __len__(self) -> int:
        raise InfiniteSpaceError(f"{type(self).__name__} cannot be enumerated")

    def __iter__(self) -> Iterator[A]:
        raise InfiniteSpaceError(f"{type(self).__name__} cannot be enumerated")

    def __repr__(self) -> str:
        return f"{type(self).__name__}()"


@runtime_checkable
class DecisionSpace(Protocol[A]):
    """Optional protocol: a space whose architectures are tuples of categorical choices.

    Strategies that learn a distribution over choices (REINFORCE) need it; the built-in
    spaces implement it. Decision ``d`` takes values ``0 .. decisions()[d] - 1``.
    ``from_decisions(to_decisions(arch))`` computes the same function as ``arch``
    (equal :meth:`SearchSpace.canonical`). Not every tuple need be a member: a space with
    validity rules (NB-101) raises ``OutOfSpaceError`` for tuples outside it.

    Example:
        >>> from nasbench_kit.spaces import NB201Space
        >>> isinstance(NB201Space(), DecisionSpace), NB201Space().decisions()
        (True, (5, 5, 5, 5, 5, 5))
    """

    def decisions(self) -> tuple[int, ...]:
        """Number of choices of each decision, in a fixed order."""

    def from_decisions(self, choices: Sequence[int]) -> A:
        """The architecture with these choice indices (``OutOfSpaceError`` if none is)."""

    def to_decisions(self, arch: A) -> tuple[int, ...]:
        """The choice index of every decision of ``arch``."""


def checked_choices(choices: Sequence[int], sizes: Sequence[int]) -> list[int]:
    """``choices`` as plain ints, one per decision, each in ``0 .. sizes[d] - 1``.

    Raises:
        OutOfSpaceError: a wrong count, a non-integer or an out-of-range choice.

    Example:
        >>> checked_choices((1, 0), (2, 3))
        [1, 0]
    """
    try:
        values = [operator.index(c) for c in choices]
    except TypeError:
        values = None
    if values is None or len(values) != len(sizes) or any(not 0 <= v < n for v, n in zip(values, sizes)):
        raise OutOfSpaceError(f"expected {len(sizes)} integer choices, decision d in 0..sizes[d] - 1 with "
                              f"sizes {tuple(sizes)}, got {choices!r}")
    return values
