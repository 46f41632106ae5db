"""The in-process epoch cache: loads once, bounded in bytes, least recently used first out."""

import numpy as np
import pytest

from neuropipe.datasets import load_dataset
from neuropipe.evaluation.cache import EpochCache, clear_epoch_cache, epoch_cache, load_epochs


class _Data:
    def __init__(self, n_bytes):
        self.X = np.zeros(n_bytes // 8)


def test_cache_loads_once_and_evicts_least_recently_used_by_bytes():
    cache = EpochCache(max_bytes=2400)
    loads = []

    def loader(key, n_bytes=800):
        return lambda: loads.append(key) or _Data(n_bytes)

    a = cache.get("a", loader("a"))
    assert cache.get("a", loader("a")) is a
    cache.get("b", loader("b"))
    cache.get("c", loader("c"))
    cache.get("a", loader("a"))  # a is now the most recently used
    cache.get("d", loader("d"))  # 4 x 800 bytes > 2400: b goes
    assert loads == ["a", "b", "c", "d"]
    assert (cache.hits, cache.misses, len(cache)) == (2, 4, 3)
    cache.get("b", loader("b"))
    assert loads[-1] == "b"
    big = cache.get("big", loader("big", 4000))  # larger than the bound: served, not kept
    assert big.X.nbytes == 4000 and len(cache) <= 3 and cache.get("big", loader("big")) is not big
    cache.clear()
    assert (len(cache), cache.hits, cache.misses) == (0, 0, 0)


@pytest.mark.slow  # reads and epochs the subject's EDF files twice
def test_load_epochs_returns_the_loaded_subject_once_per_process():
    clear_epoch_cache()
    first = load_epochs("eegmmidb-leftright", None, [1])
    again = load_epochs("eegmmidb-leftright", None, (1,))
    assert again is first and (epoch_cache.hits, epoch_cache.misses) == (1, 1)
    direct = load_dataset("eegmmidb-leftright", subjects=[1])
    np.testing.assert_array_equal(first.X, direct.X)
    np.testing.assert_array_equal(first.y, direct.y)
    clear_epoch_cache()
