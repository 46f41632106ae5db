"""The in-process epoch cache: loads once, bounded in bytes, least recently used first out."""

import numpy as np
import pytest
from joblib import Memory
from sklearn.base import clone
from sklearn.decomposition import PCA
from sklearn.model_selection import GridSearchCV, StratifiedKFold
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.svm import SVC

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


class _CountingScaler(StandardScaler):
    fits = 0

    def fit(self, X, y=None, sample_weight=None):
        type(self).fits += 1
        return super().fit(X, y, sample_weight)


def test_shared_transformer_fits_fit_each_step_once_per_data_with_the_same_scores(tmp_path):
    from neuropipe.evaluation.cache import share_transformer_fits

    rng = np.random.default_rng(0)
    X, y = rng.standard_normal((60, 5)), np.repeat([0, 1], 30)
    X[y == 1, :2] += 1.0
    grid = GridSearchCV(
        make_pipeline(_CountingScaler(), SVC()),
        {"svc__C": [0.5, 1.0, 2.0]},
        cv=StratifiedKFold(3, shuffle=True, random_state=0),
    )
    plain = make_pipeline(PCA(4), grid)
    _CountingScaler.fits = 0
    reference = clone(plain).fit(X, y)
    assert _CountingScaler.fits == 3 * 3 + 1  # every setting refits the scaler on its split
    shared = share_transformer_fits(plain, Memory(tmp_path, verbose=0))
    assert plain.memory is None and plain[-1].estimator.memory is None  # a clone was changed
    assert shared[-1].estimator.memory is shared.memory
    _CountingScaler.fits = 0
    shared.fit(X, y)
    assert _CountingScaler.fits == 3 + 1  # one fit per split, shared by the 3 settings
    np.testing.assert_array_equal(shared.decision_function(X), reference.decision_function(X))
    assert shared[-1].best_params_ == reference[-1].best_params_
    _CountingScaler.fits = 0
    share_transformer_fits(plain, Memory(tmp_path, verbose=0)).fit(X, y)
    assert _CountingScaler.fits == 0  # another pipeline with the same steps and data


# a step class as a pipeline file loaded from outside the import path defines it
_Unpicklable = type("Unpicklable", (StandardScaler,), {"__module__": "not_an_importable_module"})


def test_unpicklable_pipelines_are_left_uncached_and_still_fit(tmp_path):
    from neuropipe.evaluation.cache import share_transformer_fits

    rng = np.random.default_rng(1)
    X, y = rng.standard_normal((30, 3)), np.repeat([0, 1], 15)
    shared = share_transformer_fits(make_pipeline(_Unpicklable(), SVC()), Memory(tmp_path))
    assert shared.memory is None
    assert shared.fit(X, y).score(X, y) > 0.5
