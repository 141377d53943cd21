"""MobileNet-style macro search space: a chain of inverted-residual stages.

The network is a fixed stem, a fixed first block, ``len(widths)`` searchable stages of
MobileNetV2 inverted-residual blocks (Sandler et al., CVPR 2018) and a fixed head. Each
stage chooses its **depth** (number of blocks); each block chooses its **expansion ratio**
``e`` and depthwise **kernel size** ``k``. Stage widths and strides are fixed.

Two granularities (``per_block``):

* ``per_block=True`` (default) follows Once-for-All (Cai et al., "Once-for-All: Train One
  Network and Specialize it for Efficient Deployment", ICLR 2020): every block of a stage
  has its own ``(e, k)``. An architecture stores ``max(depths)`` block slots per stage, so
  values stay fixed-length; slots at or beyond the stage's depth are *inactive* (not built).
  They still belong to the architecture (``str`` keeps them, enumeration counts them) but
  :meth:`MacroSpace.canonical` and every encoding ignore them.
* ``per_block=False`` follows MnasNet's factorized space (Tan et al., "MnasNet: Platform-Aware
  Neural Architecture Search for Mobile", CVPR 2019): one ``(e, k)`` shared by all blocks of
  a stage (one slot per stage).

Default space: OFA's MobileNetV3 stages (widths 24, 40, 80, 112, 160; strides 2, 2, 2, 1, 2;
stem 16, first block 16), depth in (2, 3, 4), ``e`` in (3, 4, 6), ``k`` in (3, 5, 7),
per block, with a MobileNetV2 head (1x1 conv to 1280 channels). Its sizes:

* ``size`` (architecture values, inactive slots included) = ``(3 * 9**4) ** 5``
  = 2,954,312,706,550,833,698,643, more than ``len()`` can return;
* ``unique_size`` (distinct networks) = ``(9**2 + 9**3 + 9**4) ** 5``
  = 21,758,655,492,572,485,851, about 2.2e19, the "more than 10^19" of the OFA paper.

With ``per_block=False`` the same choices give ``27 ** 5`` = 14,348,907 architectures.

String format (``str(arch)``, :meth:`MacroSpace.parse`): that of
:class:`~nasbench_kit.spaces.macro_arch.MacroArch`, stages separated by ``|``, each
``d<depth>-`` followed by comma-separated blocks ``e<expand>k<kernel>``, e.g.
``d2-e4k3,e6k5,e3k3,e3k3|d3-...``. ``str`` writes every slot; ``parse`` also accepts
fewer (at least ``depth``) and fills the missing inactive slots with the first choice of
each list, so the canonical string parses too.

Decisions, in the fixed order used by enumeration, mutation, neighbours and encodings:
for each stage (stage 0 first): its depth, then for each slot ``b``: ``e`` of slot ``b``,
``k`` of slot ``b``. Choices are in the order given to the space. ``iter(space)`` is the
lexicographic product of decision choices in that order (the last decision varies fastest).

>>> space = MacroSpace(depths=(1, 2), expand_ratios=(3, 6), kernel_sizes=(3, 5), widths=(16, 24), strides=(2, 2))
>>> arch = space.parse("d1-e3k5,e6k3|d2-e6k5,e6k5")
>>> space.canonical(arch)
'd1-e3k5|d2-e6k5,e6k5'
>>> len(space), space.unique_size
(1024, 400)
"""

from __future__ import annotations

import itertools
import sys
from collections.abc import Iterator, Sequence

import numpy as np

from ..errors import InfiniteSpaceError, OutOfSpaceError
from .base import SearchSpace, checked_choices
from .macro_arch import MacroArch, _ints, _split

__all__ = ["MacroArch", "MacroSpace"]


def _choices(values: object, what: str, *, odd: bool = False) -> tuple[int, ...]:
    out = _ints(values, what)
    if not out or any(v < 1 for v in out) or len(set(out)) != len(out):
        raise OutOfSpaceError(f"{what} must be distinct positive ints (at least one), got {values!r}")
    if odd and any(v % 2 == 0 for v in out):
        raise OutOfSpaceError(f"{what} must be odd (padding k // 2 keeps the resolution), got {values!r}")
    return out


class MacroSpace(SearchSpace[MacroArch]):
    """MobileNetV2/OFA-style chain space; see the module docstring for layout and sizes.

    Args:
        depths: allowed number of blocks per stage.
        expand_ratios: allowed expansion ratios (1 means no 1x1 expansion conv).
        kernel_sizes: allowed depthwise kernel sizes (odd).
        widths: output channels of each searchable stage (fixes the number of stages).
        strides: stride of the first block of each stage.
        per_block: one ``(e, k)`` per block (OFA) or per stage (MnasNet).
        stem_width: channels of the 3x3 stride-2 stem conv.
        first_width: channels of the fixed first block (``e=1``, ``k=3``, stride 1).
        head_width: channels of the final 1x1 conv before pooling.

    Raises:
        OutOfSpaceError: if a choice list is empty, repeats a value, holds a non-positive or
            (kernels) even value, or ``widths`` and ``strides`` differ in length.

    Example:
        >>> space = MacroSpace()
        >>> space.unique_size == (9**2 + 9**3 + 9**4) ** 5
        True
        >>> arch = space.sample(np.random.default_rng(0))
        >>> space.parse(str(arch)) == arch
        True
    """

    name = "macro"

    def __init__(
        self,
        *,
        depths: Sequence[int] = (2, 3, 4),
        expand_ratios: Sequence[int] = (3, 4, 6),
        kernel_sizes: Sequence[int] = (3, 5, 7),
        widths: Sequence[int] = (24, 40, 80, 112, 160),
        strides: Sequence[int] = (2, 2, 2, 1, 2),
        per_block: bool = True,
        stem_width: int = 16,
        first_width: int = 16,
        head_width: int = 1280,
    ) -> None:
        self.depths = _choices(depths, "depths")
        self.expand_ratios = _choices(expand_ratios, "expand_ratios")
        self.kernel_sizes = _choices(kernel_sizes, "kernel_sizes", odd=True)
        self.widths = _ints(widths, "widths")
        self.strides = _ints(strides, "strides")
        if not self.widths or len(self.widths) != len(self.strides) or min(self.widths + self.strides) < 1:
            raise OutOfSpaceError(
                f"widths and strides must be equally long (one per stage, at least one) positive ints, "
                f"got widths={widths!r}, strides={strides!r}"
            )
        if not isinstance(per_block, bool):
            raise OutOfSpaceError(f"per_block must be True or False, got {per_block!r}")
        self.per_block = per_block
        self.stem_width, self.first_width, self.head_width = _ints(
            (stem_width, first_width, head_width), "stem_width/first_width/head_width"
        )
        if min(self.stem_width, self.first_width, self.head_width) < 1:
            raise OutOfSpaceError("stem_width, first_width and head_width must be positive")
        self.n_stages = len(self.widths)
        self.max_depth = max(self.depths)
        #: Block slots stored per stage: ``max(depths)`` per block, 1 per stage.
        self.n_slots = self.max_depth if per_block else 1
        self._build_tables()

    # --- decision layout --------------------------------------------------------------
    def _build_tables(self) -> None:
        per_stage = 1 + 2 * self.n_slots
        stage_choices = [self.depths] + [self.expand_ratios, self.kernel_sizes] * self.n_slots
        self._col_choices: list[tuple[int, ...]] = stage_choices * self.n_stages
        self._n_choices = np.array([len(c) for c in self._col_choices], dtype=np.int64)
        self._col_stage = np.repeat(np.arange(self.n_stages), per_stage)
        # Slot of each column, -1 for depth columns (always active).
        self._col_slot = np.tile(np.array([-1] + [b for b in range(self.n_slots) for _ in (0, 1)]), self.n_stages)
        self._depth_cols = np.arange(self.n_stages) * per_stage
        self._col_stage_slot = list(zip(self._col_stage.tolist(), self._col_slot.tolist()))
        self._position = [{v: i for i, v in enumerate(c)} for c in self._col_choices]
        self._onehot_offsets = np.concatenate([[0], np.cumsum(self._n_choices)[:-1]])
        # Block positions (stage, j < max_depth) of the built chain and the slot each reads.
        n_pos = self.n_stages * self.max_depth
        self._pos_stage = np.repeat(np.arange(self.n_stages), self.max_depth)
        self._pos_index = np.tile(np.arange(self.max_depth), self.n_stages)
        slot = self._pos_index if self.per_block else np.zeros(n_pos, dtype=np.int64)
        self._pos_expand_col = self._pos_stage * per_stage + 1 + 2 * slot
        n_nodes = n_pos + 2
        self._tri = np.full((n_nodes, n_nodes), -1, dtype=np.int64)
        rows, cols = np.triu_indices(n_nodes, 1)
        self._tri[rows, cols] = np.arange(len(rows))

    @property
    def _config(self) -> tuple:
        return (self.depths, self.expand_ratios, self.kernel_sizes, self.widths, self.strides,
                self.per_block, self.stem_width, self.first_width, self.head_width)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, MacroSpace) and self._config == other._config

    def __hash__(self) -> int:
        return hash(self._config)

    def __repr__(self) -> str:
        names = ("depths", "expand_ratios", "kernel_sizes", "widths", "strides", "per_block",
                 "stem_width", "first_width", "head_width")
        return "MacroSpace(" + ", ".join(f"{n}={v!r}" for n, v in zip(names, self._config)) + ")"

    def _indices(self, arch: MacroArch) -> list[int]:
        """Choice index of every decision, in decision order; raises for a non-member."""
        if (
            isinstance(arch, MacroArch)
            and len(arch.depths) == self.n_stages
            and all(len(es) == self.n_slots for es in arch.expand_ratios)
        ):
            try:
                return [where[v] for where, v in zip(self._position, _flatten(arch))]
            except KeyError:
                pass
        self.validate(arch)  # raises with the precise reason
        raise OutOfSpaceError(f"{arch!r} is not a member of {self!r}")  # not reached: validate raised

    def _index_matrix(self, archs: Sequence[MacroArch]) -> np.ndarray:
        """Choice indices, shape ``(len(archs), n_decisions)``; raises for any non-member."""
        rows = [self._indices(arch) for arch in archs]
        return np.array(rows, dtype=np.int64).reshape(len(rows), len(self._col_choices))

    def _from_indices(self, idx: Sequence[int]) -> MacroArch:
        values = [choices[i] for choices, i in zip(self._col_choices, idx)]
        width = 1 + 2 * self.n_slots
        stages = [values[s * width:(s + 1) * width] for s in range(self.n_stages)]
        return MacroArch._trusted(
            tuple(v[0] for v in stages), tuple(tuple(v[1::2]) for v in stages), tuple(tuple(v[2::2]) for v in stages)
        )

    def _active_list(self, idx: Sequence[int]) -> list[bool]:
        depths = [self.depths[idx[c]] for c in self._depth_cols.tolist()]
        return [slot < depths[stage] for stage, slot in self._col_stage_slot]

    def _active(self, idx: np.ndarray) -> np.ndarray:
        """Boolean mask ``(n, n_decisions)``: decisions that change the built network."""
        depth_values = np.asarray(self.depths)[idx[:, self._depth_cols]]  # (n, n_stages)
        return self._col_slot[None, :] < depth_values[:, self._col_stage]

    # --- sizes and enumeration ------------------------------------------------------------
    @property
    def size(self) -> int:
        """Exact number of architecture values (inactive slots count)."""
        return int(np.prod([int(n) for n in self._n_choices], dtype=object))

    @property
    def unique_size(self) -> int:
        """Exact number of distinct networks (distinct :meth:`canonical` strings)."""
        ek = len(self.expand_ratios) * len(self.kernel_sizes)
        per_stage = sum(ek**d for d in self.depths) if self.per_block else len(self.depths) * ek
        return per_stage**self.n_stages

    @property
    def is_finite(self) -> bool:
        """True when ``len(space)`` fits in ``sys.maxsize``; ``iter`` works either way."""
        return self.size <= sys.maxsize

    def __len__(self) -> int:
        if not self.is_finite:
            raise InfiniteSpaceError(
                f"{self!r} has {self.size:,} architectures, more than len() can return "
                f"({sys.maxsize:,}); use space.size (and space.unique_size) instead"
            )
        return self.size

    def __iter__(self) -> Iterator[MacroArch]:
        """Every architecture, lazily, in decision-lexicographic order (module docstring)."""
        for idx in itertools.product(*(range(n) for n in self._n_choices.tolist())):
            yield self._from_indices(idx)

    def iter_unique(self) -> Iterator[MacroArch]:
        """One architecture per distinct network (inactive slots at their first choice).

        Order: stage 0 most significant; within a stage by depth, then active blocks' ``(e, k)``.

        Example:
            >>> space = MacroSpace(depths=(1, 2), expand_ratios=(3,), kernel_sizes=(3, 5), widths=(8,), strides=(1,))
            >>> [space.canonical(a) for a in space.iter_unique()]
            ['d1-e3k3', 'd1-e3k5', 'd2-e3k3,e3k3', 'd2-e3k3,e3k5', 'd2-e3k5,e3k3', 'd2-e3k5,e3k5']
        """
        pairs = list(itertools.product(self.expand_ratios, self.kernel_sizes))
        fill = (self.expand_ratios[0], self.kernel_sizes[0])
        stage_options = [
            (d, blocks + (fill,) * (self.n_slots - len(blocks)))
            for d in self.depths
            for blocks in itertools.product(pairs, repeat=d if self.per_block else 1)
        ]
        for combo in itertools.product(stage_options, repeat=self.n_stages):
            yield MacroArch(
                tuple(d for d, _ in combo),
                tuple(tuple(e for e, _ in blocks) for _, blocks in combo),
                tuple(tuple(k for _, k in blocks) for _, blocks in combo),
            )

    # --- sampling and variation --------------------------------------------------------
    def sample(self, rng: np.random.Generator) -> MacroArch:
        """Uniform over architecture values: every decision independently uniform (as OFA).

        Depths are uniform per stage; distinct networks are not equally likely when
        ``per_block`` (deeper stages have more variants).
        """
        return self._from_indices(rng.integers(0, self._n_choices).tolist())

    def _mutable_columns(self, idx: list[int]) -> list[int]:
        cols = [c for c, (on, n) in enumerate(zip(self._active_list(idx), self._n_choices.tolist())) if on and n > 1]
        if not cols:
            raise OutOfSpaceError(f"{self!r} has a single architecture: there is nothing to mutate to")
        return cols

    def mutate(self, arch: MacroArch, rng: np.random.Generator) -> MacroArch:
        """Change exactly one *active* decision to another of its choices.

        The decision is uniform over active decisions with more than one choice, the new
        value uniform over the others. Inactive slots are never touched, so the child always
        builds a different network (its :meth:`canonical` differs).

        Raises:
            OutOfSpaceError: if ``arch`` is not a member, or the space has one architecture.

        Example:
            >>> space = MacroSpace()
            >>> parent = space.sample(np.random.default_rng(0))
            >>> child = space.mutate(parent, np.random.default_rng(1))
            >>> space.canonical(child) != space.canonical(parent)
            True
        """
        idx = self._indices(arch)
        cols = self._mutable_columns(idx)
        col = cols[int(rng.integers(len(cols)))]
        new = int(rng.integers(self._n_choices[col] - 1))
        idx[col] = new + (new >= idx[col])
        return self._from_indices(idx)

    def neighbors(self, arch: MacroArch) -> list[MacroArch]:
        """Every single change of one active decision, in decision order then choice order.

        Example:
            >>> space = MacroSpace(depths=(1, 2), expand_ratios=(3, 6), kernel_sizes=(3,), widths=(8,), strides=(1,))
            >>> [str(a) for a in space.neighbors(space.parse("d1-e3k3"))]
            ['d2-e3k3,e3k3', 'd1-e6k3,e3k3']
        """
        idx = self._indices(arch)
        out = []
        for col in self._mutable_columns(idx):
            for choice in range(int(self._n_choices[col])):
                if choice != idx[col]:
                    child = list(idx)
                    child[col] = choice
                    out.append(self._from_indices(child))
        return out

    def crossover(self, a: MacroArch, b: MacroArch, rng: np.random.Generator) -> MacroArch:
        """Uniform crossover: each decision (inactive slots too) from ``a`` or ``b`` with p = 1/2."""
        ia, ib = self._indices(a), self._indices(b)
        take_a = (rng.random(len(ia)) < 0.5).tolist()
        return self._from_indices([x if t else y for x, y, t in zip(ia, ib, take_a)])

    # --- categorical decisions (spaces.base.DecisionSpace) ----------------------------------
    def decisions(self) -> tuple[int, ...]:
        """Number of choices of each decision, in the module docstring's decision order.

        Example:
            >>> space = MacroSpace(depths=(1, 2), expand_ratios=(3, 6), kernel_sizes=(3,), widths=(8,), strides=(1,))
            >>> space.decisions()  # depth, then (e, k) of each of the 2 slots
            (2, 2, 1, 2, 1)
        """
        return tuple(self._n_choices.tolist())

    def from_decisions(self, choices: Sequence[int]) -> MacroArch:
        """The architecture taking choice ``choices[d]`` at decision ``d``.

        Raises:
            OutOfSpaceError: if the length or a choice index is out of range.
        """
        return self._from_indices(checked_choices(choices, self.decisions()))

    def to_decisions(self, arch: MacroArch) -> tuple[int, ...]:
        """The choice index of every decision of ``arch`` (inactive slots included)."""
        return tuple(self._indices(arch))

    # --- identity ---------------------------------------------------------------------------
    def validate(self, arch: MacroArch) -> MacroArch:
        """Return ``arch`` if it is a member, else raise ``OutOfSpaceError`` naming the decision.

        Example:
            >>> MacroSpace().validate(MacroArch.from_string("d5-e3k3|d2-e3k3|d2-e3k3|d2-e3k3|d2-e3k3"))
            Traceback (most recent call last):
            ...
            nasbench_kit.errors.OutOfSpaceError: stage 0: depth 5 is not one of (2, 3, 4)
        """
        if not isinstance(arch, MacroArch):
            raise OutOfSpaceError(f"expected a MacroArch, got {type(arch).__name__} {arch!r:.200}")
        if len(arch.depths) != self.n_stages:
            raise OutOfSpaceError(
                f"the architecture has {len(arch.depths)} stages; this space has {self.n_stages} (widths {self.widths})"
            )
        for stage, (depth, es, ks) in enumerate(zip(arch.depths, arch.expand_ratios, arch.kernel_sizes)):
            if depth not in self.depths:
                raise OutOfSpaceError(f"stage {stage}: depth {depth} is not one of {self.depths}")
            if len(es) != self.n_slots:
                raise OutOfSpaceError(
                    f"stage {stage}: {len(es)} (expand, kernel) entries, expected {self._slot_rule()}"
                )
            for block, (e, k) in enumerate(zip(es, ks)):
                where = f"stage {stage} block {block}" if self.per_block else f"stage {stage}"
                if e not in self.expand_ratios:
                    raise OutOfSpaceError(f"{where}: expand_ratio {e} is not one of {self.expand_ratios}")
                if k not in self.kernel_sizes:
                    raise OutOfSpaceError(f"{where}: kernel_size {k} is not one of {self.kernel_sizes}")
        return arch

    def _slot_rule(self) -> str:
        if self.per_block:
            return f"{self.n_slots} (one per block slot up to the largest depth, per_block=True)"
        return "1 (one per stage, per_block=False)"

    def parse(self, text: str) -> MacroArch:
        """Parse ``str(arch)``; missing inactive slots are filled with the first choices.

        Raises:
            OutOfSpaceError: for malformed text or a value outside the space, naming the
                stage (and block) and the allowed values.

        Example:
            >>> space = MacroSpace(widths=(24,), strides=(2,))
            >>> space.parse("d2-e4k3,e6k5")
            MacroArch.from_string('d2-e4k3,e6k5,e3k3,e3k3')
        """
        stages = _split(text)
        if len(stages) != self.n_stages:
            raise OutOfSpaceError(
                f"{text!r} has {len(stages)} stages ('|'-separated); this space has {self.n_stages}"
            )
        fill = (self.expand_ratios[0], self.kernel_sizes[0])
        filled = []
        for stage, (depth, blocks) in enumerate(stages):
            if depth not in self.depths:
                raise OutOfSpaceError(f"stage {stage}: depth {depth} is not one of {self.depths}")
            lowest = min(depth, self.n_slots)
            if not lowest <= len(blocks) <= self.n_slots:
                raise OutOfSpaceError(
                    f"stage {stage}: {len(blocks)} blocks in {text!r}; expected "
                    + (f"{lowest} to {self.n_slots} (depth {depth} up to the largest depth)" if self.per_block
                       else "1 (one per stage, per_block=False)")
                )
            filled.append((depth, blocks + [fill] * (self.n_slots - len(blocks))))
        arch = MacroArch(
            tuple(d for d, _ in filled),
            tuple(tuple(e for e, _ in b) for _, b in filled),
            tuple(tuple(k for _, k in b) for _, b in filled),
        )
        return self.validate(arch)

    def canonical(self, arch: MacroArch) -> str:
        """The string of the *active* blocks only: equal exactly for archs building the same network.

        Example:
            >>> space = MacroSpace(widths=(24,), strides=(2,))
            >>> space.canonical(space.parse("d2-e4k3,e6k5,e6k7,e6k7"))
            'd2-e4k3,e6k5'
        """
        self.validate(arch)
        return "|".join(
            f"d{d}-" + ",".join(f"e{e}k{k}" for e, k in list(zip(es, ks))[: d if self.per_block else 1])
            for d, es, ks in zip(arch.depths, arch.expand_ratios, arch.kernel_sizes)
        )

    def canonicalize(self, arch: MacroArch) -> MacroArch:
        """The representative of ``arch``'s network: inactive slots set to the first choices."""
        return self.parse(self.canonical(arch))

    # --- encodings ----------------------------------------------------------------------------
    def encoding_length(self, kind: str = "onehot") -> int:
        """Length of :meth:`encode` vectors (see there for the layouts)."""
        self._check_kind(kind)
        n_ops = len(self.expand_ratios) + len(self.kernel_sizes)
        n_pos = self.n_stages * self.max_depth
        if kind == "onehot":
            return int(self._n_choices.sum())
        if kind == "adjacency":
            return (n_pos + 2) * (n_pos + 1) // 2 + n_pos * n_ops
        return self.n_stages * len(self.expand_ratios) * len(self.kernel_sizes)

    def encode(self, arch: MacroArch, kind: str = "onehot") -> np.ndarray:
        """Fixed-length float32 vector; depends only on the built network (canonical).

        * ``onehot``: per decision (module-docstring order) a one-hot of its choice; inactive
          slots are all zeros. Length ``n_stages * (|D| + n_slots * (|E| + |K|))``.
        * ``adjacency``: the chain as a graph, in the style of NAS-Bench-101's adjacency
          encoding. Nodes: input, the ``n_stages * max(depths)`` block positions, output.
          First the flattened strict upper triangle (row-major) of the adjacency matrix:
          each built node has one edge to the next built node (skipped positions are
          bypassed, residuals inside blocks are not edges). Then, per position, one-hot
          ``e`` and one-hot ``k`` (zeros when not built).
        * ``path``: a chain has a single input-to-output path, so the path encoding of
          White et al. (BANANAS, AAAI 2021) degenerates; we encode that path by the count of
          each ``(e, k)`` op along it, per stage (``n_stages * |E| * |K|`` counts; the only
          thing lost is the order of blocks inside a stage).

        Raises:
            UnknownNameError: for an unknown ``kind``.
            OutOfSpaceError: if ``arch`` is not a member.

        Example:
            >>> space = MacroSpace(depths=(1, 2), expand_ratios=(3, 6), kernel_sizes=(3,), widths=(8,), strides=(1,))
            >>> space.encode(space.parse("d2-e6k3,e3k3"), "onehot").tolist()
            [0.0, 1.0, 0.0, 1.0, 1.0, 1.0, 0.0, 1.0]
            >>> space.encode(space.parse("d2-e6k3,e3k3"), "path").tolist()  # (e3k3, e6k3) counts
            [1.0, 1.0]
        """
        return self.encode_many([arch], kind)[0]

    def encode_many(self, archs: Sequence[MacroArch], kind: str = "onehot") -> np.ndarray:
        """Vectorized :meth:`encode`: array ``(len(archs), encoding_length(kind))``, float32."""
        self._check_kind(kind)
        idx = self._index_matrix(list(archs))
        n = idx.shape[0]
        out = np.zeros((n, self.encoding_length(kind)), dtype=np.float32)
        if n == 0:
            return out
        rows = np.arange(n)[:, None]
        if kind == "onehot":
            out[rows, self._onehot_offsets[None, :] + idx] = self._active(idx)
            return out
        depth_values = np.asarray(self.depths)[idx[:, self._depth_cols]]
        built = self._pos_index[None, :] < depth_values[:, self._pos_stage]  # (n, n_pos)
        e_idx = idx[:, self._pos_expand_col]
        k_idx = idx[:, self._pos_expand_col + 1]
        n_e, n_k = len(self.expand_ratios), len(self.kernel_sizes)
        if kind == "path":
            feature = self._pos_stage[None, :] * (n_e * n_k) + e_idx * n_k + k_idx
            flat = (np.arange(n)[:, None] * out.shape[1] + feature).ravel()
            counts = np.bincount(flat, weights=built.ravel().astype(np.float64), minlength=out.size)
            return counts.reshape(out.shape).astype(np.float32)
        # adjacency: node i (0 input, 1..n_pos positions, n_pos + 1 output).
        n_nodes = built.shape[1] + 2
        node_on = np.concatenate([np.ones((n, 1), bool), built, np.ones((n, 1), bool)], axis=1)
        label = np.where(node_on, np.arange(n_nodes), n_nodes)
        # nearest built node strictly after i: reversed running minimum, shifted by one.
        after = np.minimum.accumulate(label[:, ::-1], axis=1)[:, ::-1][:, 1:]
        r, i = np.nonzero(node_on[:, :-1])
        out[r, self._tri[i, after[r, i]]] = 1.0
        base = n_nodes * (n_nodes - 1) // 2 + np.arange(built.shape[1]) * (n_e + n_k)
        out[rows, base[None, :] + e_idx] = built
        out[rows, base[None, :] + n_e + k_idx] = built
        return out


def _flatten(arch: MacroArch) -> list[int]:
    """Decision values in decision order (depth, e0, k0, e1, k1, ... per stage)."""
    out: list[int] = []
    for d, es, ks in zip(arch.depths, arch.expand_ratios, arch.kernel_sizes):
        out.append(d)
        for e, k in zip(es, ks):
            out += (e, k)
    return out
