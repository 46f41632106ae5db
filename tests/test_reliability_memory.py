"""Memory guards (issue 28, item 6): small inputs whose output would exhaust memory.

Each guarded step gets an input of a few MB whose output would pass the memory budget
(4 GB by default, ``NEUROPIPE_MEMORY_BUDGET``); it must refuse before allocating, with the
size and the fix, within 1 GB of traced memory. The CPU-time bound is a hang guard for the
issue's "within a second", not a performance figure.
"""

import gzip
import time
import tracemalloc

import numpy as np
import pytest

from neuropipe._validation import MemoryBudgetError, check_output_size, memory_budget
from neuropipe.decoders import SpikeHistory, lag_features
from neuropipe.features import AugmentedCovariances
from neuropipe.features.connectivity import Connectivity
from neuropipe.features.graph import ConnectivityGraph
from neuropipe.io.fmri import read_roi_timeseries

GB = 2**30


def _refuses(call, *fragments):
    """Run ``call``; it must raise MemoryBudgetError quickly and within 1 GB."""
    tracemalloc.start()
    start = time.process_time()
    try:
        with pytest.raises(MemoryBudgetError) as info:
            call()
        elapsed = time.process_time() - start
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    message = str(info.value)
    assert "memory budget of 4.0 GB" in message or "NEUROPIPE_MEMORY_BUDGET" in message
    for fragment in fragments:
        assert fragment in message, (fragment, message)
    assert peak < GB, peak
    assert elapsed < 1.0, elapsed
    return message


def test_augmented_covariances_of_high_order_are_refused():
    X = np.random.default_rng(0).standard_normal((2, 64, 1000))  # 1 MB
    est = AugmentedCovariances(order=500, lag=1, estimator="oas")
    message = _refuses(lambda: est.fit(X).transform(X), "64 channels x order 500", "lower order")
    assert "30.5 GB" in message  # 2 x 2 epochs x 32000^2 float64


def test_spike_history_of_many_bins_is_refused():
    X = np.random.default_rng(0).poisson(2.0, size=(1000, 100)).astype(float)  # 0.8 MB
    _refuses(lambda: SpikeHistory(bins_before=10_000).fit(X).transform(X), "bins_before")
    _refuses(lambda: lag_features(X, bins_before=10_000), "10001 lags")


def test_connectivity_of_thousands_of_channels_is_refused():
    X = np.random.default_rng(0).standard_normal((2, 4000, 200))  # 12.8 MB
    est = Connectivity(sfreq=100.0, metric="coh")
    _refuses(lambda: est.fit(X).transform(X), "4000^2 channel pairs", "fewer channels")


@pytest.mark.parametrize("kind", ["correlation", "tangent"])
def test_connectivity_graphs_of_thousands_of_rois_are_refused(kind):
    rng = np.random.default_rng(0)
    X = [rng.standard_normal((30, 20_000)) for _ in range(2)]  # 9.6 MB
    _refuses(lambda: ConnectivityGraph(kind=kind).fit(X).transform(X), "coarser atlas")


def test_compressed_roi_file_expanding_past_the_cap_is_refused(tmp_path, monkeypatch):
    monkeypatch.setenv("NEUROPIPE_MEMORY_BUDGET", "16M")  # text tables: 1 MB decompressed
    path = tmp_path / "rois.1D.gz"
    path.write_bytes(gzip.compress(b"0 0 0 0\n" * 300_000))  # 2.4 MB from about 3 KB
    _refuses(lambda: read_roi_timeseries(path), "expands to more than 1 MB", "rois.1D.gz")
    small = tmp_path / "small.1D.gz"
    small.write_bytes(gzip.compress(b"1 2\n3 4\n") + gzip.compress(b"5 6\n"))  # 2 members
    np.testing.assert_array_equal(read_roi_timeseries(small), [[1, 2], [3, 4], [5, 6]])


def test_budget_is_configurable_and_checked(monkeypatch):
    assert memory_budget() == 4 * GB
    check_output_size((1024, 1024, 64), "x", "y")  # 512 MB: under the default budget
    monkeypatch.setenv("NEUROPIPE_MEMORY_BUDGET", "256M")
    with pytest.raises(MemoryBudgetError, match="512.0 MB .*budget of 256.0 MB; y"):
        check_output_size((1024, 1024, 64), "x", "y")
    monkeypatch.setenv("NEUROPIPE_MEMORY_BUDGET", "lots")
    with pytest.raises(ValueError, match="NEUROPIPE_MEMORY_BUDGET must be a size"):
        memory_budget()
