"""The in-process epoch cache: loads once, bounded in bytes, least recently used first out."""

import numpy as np
import pandas as pd
import pytest
from joblib import Memory
from pyriemann.tangentspace import TangentSpace
from sklearn.base import clone
from sklearn.decomposition import PCA
from sklearn.model_selection import GridSearchCV, StratifiedKFold
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.svm import SVC

from neuropipe.benchmark.cache import EpochCache, clear_epoch_cache, epoch_cache, load_epochs
from neuropipe.datasets import load_dataset


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
    from neuropipe.benchmark.cache import share_transformer_fits

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
    assert shared.memory is None  # outside the search: nothing would reuse the PCA fit
    assert shared[-1].estimator.memory is not None
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
    from neuropipe.benchmark.cache import share_transformer_fits

    rng = np.random.default_rng(1)
    X, y = rng.standard_normal((30, 3)), np.repeat([0, 1], 15)
    shared = share_transformer_fits(make_pipeline(_Unpicklable(), SVC()), Memory(tmp_path))
    assert shared.memory is None
    assert shared.fit(X, y).score(X, y) > 0.5


# --------------------------------------------------------------------------------------
# Per-epoch steps (covariances) computed once per epoch, and the tangent space shared
# --------------------------------------------------------------------------------------


def _epochs(n=30, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, 5, 120))
    y = np.repeat([0, 1], n // 2)
    X[y == 1, 0] *= 1.7
    return X, y


@pytest.mark.parametrize("estimator", ["oas", "lwf", "cov", "scm"])
def test_covariances_of_an_epoch_do_not_depend_on_the_batch(estimator):
    from pyriemann.estimation import Covariances

    X, _ = _epochs()
    batch = Covariances(estimator).transform(X)
    alone = np.stack([Covariances(estimator).transform(X[i : i + 1])[0] for i in range(len(X))])
    np.testing.assert_array_equal(batch, alone)  # bit for bit: safe to compute once per epoch
    np.testing.assert_array_equal(Covariances(estimator).transform(X[::-3]), batch[::-3])


def test_per_epoch_steps_compute_each_epoch_once_with_the_same_output():
    from pyriemann.estimation import Covariances

    from neuropipe.benchmark import cache
    from neuropipe.benchmark.cache import PerEpochSteps
    from neuropipe.preprocessing import EpochsToArray

    clear_epoch_cache()
    X, _ = _epochs()
    steps = make_pipeline(EpochsToArray(), Covariances("oas"))
    wrapped = PerEpochSteps(steps).fit(X[:20])
    first = wrapped.transform(X[:20])
    assert cache._EPOCH_OUTPUTS.misses == 20
    both = wrapped.transform(X[10:])  # 10 seen, 10 new
    assert (cache._EPOCH_OUTPUTS.misses, cache._EPOCH_OUTPUTS.hits) == (30, 10)
    reference = steps.fit(X).transform(X)
    np.testing.assert_array_equal(first, reference[:20])
    np.testing.assert_array_equal(both, reference[10:])
    # other parameters are other outputs
    other = PerEpochSteps(make_pipeline(EpochsToArray(), Covariances("scm"))).fit(X)
    np.testing.assert_array_equal(other.transform(X), Covariances("scm").transform(X))
    assert wrapped.n_features_in_ == 5
    clear_epoch_cache()
    assert len(cache._EPOCH_OUTPUTS) == 0


class _CountingTangentSpace(TangentSpace):
    fits = 0

    def fit_transform(self, X, y=None, sample_weight=None):
        type(self).fits += 1
        return super().fit_transform(X, y, sample_weight=sample_weight)


def test_covariance_pipelines_share_epochs_and_tangent_space_with_identical_predictions(
    tmp_path,
):
    from pyriemann.classification import MDM
    from pyriemann.estimation import Covariances
    from sklearn.linear_model import LogisticRegression

    from neuropipe.benchmark.cache import PerEpochSteps, share_transformer_fits
    from neuropipe.features.geodesic import FisherGeodesicFilter
    from neuropipe.preprocessing import EpochsToArray

    clear_epoch_cache()
    X, y = _epochs(40)
    pipelines = [
        make_pipeline(EpochsToArray(), Covariances("oas"), _CountingTangentSpace(), model)
        for model in (LogisticRegression(), SVC())
    ]
    pipelines.append(
        make_pipeline(
            EpochsToArray(),
            Covariances("oas"),
            _CountingTangentSpace(),
            FisherGeodesicFilter(),
            MDM(),
        )
    )
    memory = Memory(tmp_path, verbose=0)
    for train, test in StratifiedKFold(4, shuffle=True, random_state=0).split(X, y):
        _CountingTangentSpace.fits = 0
        for pipeline in pipelines:
            shared = clone(share_transformer_fits(pipeline, memory))
            assert isinstance(shared.steps[0][1], PerEpochSteps)
            assert shared.steps[0][0] == "epochstoarray_covariances" and shared.memory is None
            reference = clone(pipeline).fit(X[train], y[train])
            shared.fit(X[train], y[train])
            method = "predict_proba" if hasattr(reference, "predict_proba") else "predict"
            np.testing.assert_array_equal(
                getattr(shared, method)(X[test]), getattr(reference, method)(X[test])
            )
        assert _CountingTangentSpace.fits == 3 + 1  # 3 references, 1 shared by 3 pipelines
    clear_epoch_cache()


def test_pipelines_without_a_covariance_prefix_keep_their_shape(tmp_path):
    from neuropipe.benchmark.cache import share_transformer_fits
    from neuropipe.preprocessing import EpochsToArray

    shared = share_transformer_fits(
        make_pipeline(EpochsToArray(), PCA(2), SVC()), Memory(tmp_path, verbose=0)
    )
    assert [name for name, _ in shared.steps] == ["epochstoarray", "pca", "svc"]
    assert shared.memory is None  # raw epochs outside a search: hashing costs, no reuse


@pytest.mark.slow  # one subject, two pipelines, serial / two joblib workers / Dask
def test_shared_covariance_pipelines_score_the_same_serial_parallel_dask_and_unshared(tmp_path):
    import shutil

    from neuropipe.benchmark import dask_client, run_benchmark
    from neuropipe.benchmark.pipeline_files import load_pipelines
    from neuropipe.evaluation.protocols import evaluate_within_session

    folder = tmp_path / "pipelines"
    folder.mkdir()
    for name in ("ts_lr.py", "fgmdm.py"):  # they share the covariances and tangent space
        shutil.copy(f"pipelines/{name}", folder / name)
    columns = ["subject", "session", "pipeline", "score"]

    def run(output, **kwargs):
        clear_epoch_cache()
        table = run_benchmark(
            folder,
            datasets=["eegmmidb-leftright"],
            subjects=[1],
            output=tmp_path / output,
            progress=False,
            **kwargs,
        )
        return table[columns].sort_values("pipeline").reset_index(drop=True)

    serial = run("serial")
    pd.testing.assert_frame_equal(serial, run("jobs", n_jobs=2))
    with dask_client("local", n_workers=2) as client:
        pd.testing.assert_frame_equal(serial, run("dask", scheduler=client))
    # no cache at all: the pipelines as written, evaluated directly
    plain = evaluate_within_session(
        {c["name"]: c["pipeline"] for c in load_pipelines(folder)},
        load_epochs("eegmmidb-leftright", None, (1,)),
        "eegmmidb-leftright",
    )
    plain = plain[columns].sort_values("pipeline").reset_index(drop=True)
    plain["subject"] = plain["subject"].astype(serial["subject"].dtype)
    pd.testing.assert_frame_equal(serial, plain, check_dtype=False)
    clear_epoch_cache()
