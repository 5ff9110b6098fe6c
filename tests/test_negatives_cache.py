"""The retrain dialog's outlier-exposure negatives: made in parts, cached, a bad cache rebuilt."""

from __future__ import annotations

import numpy as np

from lenet_gui.retrain.negatives_cache import VERSION, cache_path, load_cached, outlier_negatives


def digits(count: int = 20) -> np.ndarray:
    """(count, 28, 28) uint8 blobs standing in for MNIST digits."""
    rng = np.random.default_rng(3)
    images = np.zeros((count, 28, 28), np.uint8)
    for image in images:
        top, left = rng.integers(4, 10, size=2)
        image[top : top + 14, left : left + 6] = 255
    return images


def make(folder, **kwargs):
    return outlier_negatives(digits(), folder, synthetic=10, pairs=5, **kwargs)


def test_the_negatives_round_trip_through_the_cache(tmp_path):
    fields, cached = make(tmp_path)
    assert not cached and fields.dtype == np.float32 and fields.shape[1:] == (32, 32)
    assert 5 < len(fields) <= 15 and fields.max() <= 1.0 and fields.max() > 0.5
    path = cache_path(tmp_path, 10, 5, 0)
    assert path.exists() and f"v{VERSION}" in path.name
    again, cached = make(tmp_path)
    assert cached and np.array_equal(again, fields)
    other, cached = outlier_negatives(digits(), tmp_path, synthetic=10, pairs=5, seed=1)
    assert not cached and not np.array_equal(other[: len(fields)], fields)  # keyed by the seed


def test_a_corrupt_or_mismatched_cache_is_ignored_and_rebuilt(tmp_path):
    fields, _ = make(tmp_path)
    path = cache_path(tmp_path, 10, 5, 0)
    path.write_bytes(b"PK\x03\x04 not really a zip file")
    assert load_cached(path, len(digits())) is None
    rebuilt, cached = make(tmp_path)
    assert not cached and np.array_equal(rebuilt, fields)
    assert load_cached(path, len(digits())) is not None  # written again
    # Made from another number of MNIST images (another folder): not these negatives.
    assert load_cached(path, 7) is None
    np.savez(path, fields=fields * 3, meta=np.array([VERSION, len(digits())]))  # out of 0..1
    assert make(tmp_path)[1] is False


def test_making_them_stops_between_parts_and_caches_nothing(tmp_path):
    asked: list = []

    def should_stop() -> bool:
        asked.append(True)
        return len(asked) > 2

    assert make(tmp_path, should_stop=should_stop) == (None, False)
    assert len(asked) == 3 and not cache_path(tmp_path, 10, 5, 0).exists()


def test_an_unwritable_cache_folder_only_costs_the_cache(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("in the way")
    fields, cached = make(blocker / "cache")
    assert fields is not None and len(fields) and not cached


def test_writing_a_cache_removes_other_versions_and_nothing_else(tmp_path):
    stale = [
        tmp_path / f"oe-negatives-v{VERSION - 1}-3000s-1000p-seed0.npz",
        tmp_path / f"oe-negatives-v{VERSION + 7}-10s-5p-seed3.npz",
    ]
    kept = [
        cache_path(tmp_path, 3000, 1000, 4),  # this VERSION, other parameters: still read
        tmp_path / f"oe-negatives-v{VERSION - 1}-3000s-1000p-seed0.npz.bak",
        tmp_path / f"my-oe-negatives-v{VERSION - 1}-3000s-1000p-seed0.npz",
        tmp_path / "notes.npz",
    ]
    for path in stale + kept:
        path.write_bytes(b"old")
    folder_alike = tmp_path / f"oe-negatives-v{VERSION + 2}-1s-1p-seed0.npz"
    folder_alike.mkdir()
    make(tmp_path)
    assert not any(path.exists() for path in stale)
    assert all(path.read_bytes() == b"old" for path in kept) and folder_alike.is_dir()
    assert cache_path(tmp_path, 10, 5, 0).exists()
