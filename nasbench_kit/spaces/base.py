"""The :class:`SearchSpace` interface every space (built-in or user-written) implements.

Architectures are immutable, hashable values (frozen dataclasses). A space never holds
random state: every random operation takes a ``numpy.random.Generator``.
``nasbench_kit.testing.check_search_space`` runs the contract below against any space.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterator, Sequence
from typing import Generic, TypeVar

import numpy as np

from ..errors import InfiniteSpaceError, UnknownNameError

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
