import pickle
import warnings

import numpy as np
import pytest
from mne_connectivity import spectral_connectivity_epochs
from sklearn.base import clone
from sklearn.exceptions import NotFittedError
from sklearn.pipeline import make_pipeline

from neuropipe.features.connectivity import (
    METRICS,
    Connectivity,
    NodeStrength,
    node_strength,
    spectral_connectivity,
)

SFREQ = 160.0
N_WIN, N_STEP = 40, 26  # 0.25 s and 0.161 s at 160 Hz


def _coupled_epochs(n_epochs=2, n_channels=5, n_times=480, seed=0):
    """Noise with channel 1 a delayed, noisy copy of channel 0."""
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n_epochs, n_channels, n_times))
    X[:, 1] += 0.8 * np.roll(X[:, 0], 3, axis=-1)
    return X


def _mne_reference(X_epoch, metric, fmin, fmax):
    """mne_connectivity on the windows of one epoch, as a dense (n_freqs, C, C) array."""
    windows = np.lib.stride_tricks.sliding_window_view(X_epoch, N_WIN, axis=-1)
    windows = windows[:, ::N_STEP].transpose(1, 0, 2)
    method = "imcoh" if metric == "abs_imcoh" else metric
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # fewer than 5 cycles at fmin in 0.25 s windows
        res = spectral_connectivity_epochs(
            windows, method=method, mode="fourier", sfreq=SFREQ, fmin=fmin, fmax=fmax, verbose=False
        )
    dense = res.get_data(output="dense").transpose(2, 0, 1)  # lower triangle filled
    if metric == "abs_imcoh":
        dense = np.abs(dense)
    return dense, np.asarray(res.freqs)


@pytest.mark.parametrize("metric", METRICS)
def test_matches_mne_connectivity_per_epoch(metric):
    X = _coupled_epochs()
    con, freqs = spectral_connectivity(X, SFREQ, metric=metric, fmin=8, fmax=40, fres=SFREQ / N_WIN)
    lower = np.tril_indices(X.shape[1], -1)
    for e in range(len(X)):
        ref, ref_freqs = _mne_reference(X[e], metric, 8, 40)
        np.testing.assert_allclose(freqs, ref_freqs)
        np.testing.assert_allclose(
            con[e][:, lower[0], lower[1]], ref[:, lower[0], lower[1]], atol=1e-12
        )
        assert np.abs(ref[:, lower[0], lower[1]]).max() > 0.1  # not a trivial comparison


@pytest.mark.parametrize("metric", METRICS)
def test_symmetry_range_and_zero_diagonal(metric):
    con, _ = spectral_connectivity(_coupled_epochs(), SFREQ, metric=metric, fmin=5, fmax=40)
    idx = np.arange(con.shape[-1])
    np.testing.assert_array_equal(con[..., idx, idx], 0.0)
    sign = -1.0 if metric == "imcoh" else 1.0
    np.testing.assert_allclose(con, sign * np.swapaxes(con, -1, -2), atol=1e-12)
    lo = -1.0 if metric == "imcoh" else 0.0
    assert con.min() >= lo - 1e-12 and con.max() <= 1.0 + 1e-12


def test_delayed_sinusoid_hand_values():
    # y = x delayed by 4 samples at 10 Hz, 160 Hz: phase lag 2*pi*10*4/160 = pi/2, so
    # |coherency| = 1 and ImCoh = sin(pi/2) = 1, positive because channel 0 leads.
    t = np.arange(480) / SFREQ
    X = np.stack([np.sin(2 * np.pi * 10 * t), np.sin(2 * np.pi * 10 * (t - 4 / SFREQ))])[None]
    for metric, expected in [
        ("coh", 1.0),
        ("imcoh", 1.0),
        ("plv", 1.0),
        ("pli", 1.0),
        ("wpli", 1.0),
    ]:
        con, freqs = spectral_connectivity(X, SFREQ, metric=metric, fmin=10, fmax=11)
        assert freqs[0] == 10.0
        np.testing.assert_allclose(con[0, 0, 0, 1], expected, atol=2e-3, err_msg=metric)
    con, _ = spectral_connectivity(X, SFREQ, metric="imcoh", fmin=10, fmax=11)
    np.testing.assert_allclose(con[0, 0, 1, 0], -1.0, atol=2e-3)


def test_zero_lag_copy_has_no_imaginary_coupling():
    x = np.random.default_rng(4).standard_normal((3, 1, 480))
    X = np.concatenate([x, 2.0 * x], axis=1)  # volume conduction: instantaneous mixing
    coh, _ = spectral_connectivity(X, SFREQ, metric="coh", fmin=5, fmax=40)
    imcoh, _ = spectral_connectivity(X, SFREQ, metric="abs_imcoh", fmin=5, fmax=40)
    np.testing.assert_allclose(coh[:, :, 0, 1], 1.0, atol=1e-12)
    np.testing.assert_allclose(imcoh[:, :, 0, 1], 0.0, atol=1e-12)


@pytest.mark.parametrize("metric", METRICS)
@pytest.mark.parametrize("scale", [1e-85, 1e-155, 1e-300, 1e90])
def test_scale_free_metrics_do_not_depend_on_the_unit(metric, scale):  # issue 16
    # Products of powers underflowed to 0 below ~1e-85 (coh / imcoh were all zeros).
    X = _coupled_epochs()
    reference, _ = spectral_connectivity(X, SFREQ, metric=metric, fmin=5, fmax=40)
    scaled, _ = spectral_connectivity(X * scale, SFREQ, metric=metric, fmin=5, fmax=40)
    assert np.abs(reference).max() > 0.1
    np.testing.assert_allclose(scaled, reference, atol=1e-12)
    # and each channel on its own scale (volts next to microvolts)
    mixed = X * np.geomspace(1e-150, 1e50, X.shape[1])[:, None]
    per_channel, _ = spectral_connectivity(mixed, SFREQ, metric=metric, fmin=5, fmax=40)
    np.testing.assert_allclose(per_channel, reference, atol=1e-12)


@pytest.mark.parametrize("metric", ["coh", "abs_imcoh", "plv", "wpli"])
def test_blocks_give_the_same_matrices(metric, monkeypatch):
    import neuropipe.features.connectivity as module

    X = _coupled_epochs()
    whole, freqs = spectral_connectivity(X, SFREQ, metric=metric, fmin=2, fmax=60)
    monkeypatch.setattr(module, "_MIN_BLOCK_BYTES", 0)
    monkeypatch.setattr(module, "_block_sizes", lambda *args: (2, 7))  # uneven blocks
    blocked, blocked_freqs = spectral_connectivity(X, SFREQ, metric=metric, fmin=2, fmax=60)
    np.testing.assert_array_equal(blocked_freqs, freqs)
    np.testing.assert_allclose(blocked, whole, rtol=0, atol=1e-13)


@pytest.mark.parametrize(("n_epochs", "n_times"), [(12, 2000), (1, 4000)])
def test_peak_memory_at_most_twice_input_plus_output(n_epochs, n_times, monkeypatch):
    # issue 16: default Connectivity on 100 x 128 x 2000 peaked at 6.45 GB (~5x input +
    # output). Here with the memory floor off, so the budget is the input itself.
    import tracemalloc

    import neuropipe.features.connectivity as module

    monkeypatch.setattr(module, "_MIN_BLOCK_BYTES", 0)
    X = np.random.default_rng(0).standard_normal((n_epochs, 32, n_times))
    est = Connectivity(500.0).fit(X[:1])
    tracemalloc.start()
    try:
        con = est.transform(X)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert con.shape == (n_epochs, 250, 32, 32)
    # the input already exists: what transform adds is at most one input and the output
    assert peak <= X.nbytes + con.nbytes + 2**20, (peak, X.nbytes, con.nbytes)


@pytest.mark.parametrize("metric", ["pli", "wpli"])
def test_phase_lag_paths_agree(metric, monkeypatch):
    # numba-compiled loops (if installed), the numpy fallback, and the loops in Python
    import neuropipe.features.connectivity as module

    X = _coupled_epochs()
    default, _ = spectral_connectivity(X, SFREQ, metric=metric, fmin=5, fmax=40)
    monkeypatch.setitem(module._COMPILED, "kernel", None)
    numpy_path, _ = spectral_connectivity(X, SFREQ, metric=metric, fmin=5, fmax=40)
    np.testing.assert_allclose(default, numpy_path, rtol=0, atol=1e-13)
    monkeypatch.setitem(module._COMPILED, "kernel", module._phase_lag_loops)
    python_loops, _ = spectral_connectivity(X[:1], SFREQ, metric=metric, fmin=9, fmax=11)
    np.testing.assert_allclose(python_loops, numpy_path[:1, 4:7], rtol=0, atol=1e-13)
    assert np.abs(numpy_path).max() > 0.5


# --- node strength -----------------------------------------------------------------------


def test_node_strength_against_loop():
    con = np.random.default_rng(5).random((2, 3, 4, 4))
    ns = node_strength(con)
    assert ns.shape == (2, 4, 3)
    for e in range(2):
        for f in range(3):
            for i in range(4):
                expected = sum(con[e, f, i, j] for j in range(4) if j != i) / 4
                assert ns[e, i, f] == pytest.approx(expected)


def test_node_strength_names_through_pipeline():
    X = _coupled_epochs(n_channels=3)
    pipe = make_pipeline(
        Connectivity(SFREQ, fmin=10, fmax=11, ch_names=["C3", "C-z", "C4"]), NodeStrength()
    ).fit(X)
    assert pipe.get_feature_names_out().tolist() == [
        "C3_10Hz",
        "C3_11Hz",
        "C-z_10Hz",
        "C-z_11Hz",
        "C4_10Hz",
        "C4_11Hz",
    ]
    np.testing.assert_allclose(pipe.transform(X), node_strength(pipe[0].transform(X)))
    assert pipe[0].get_feature_names_out()[:2].tolist() == ["C3-C3_10Hz", "C3-C-z_10Hz"]
    assert pipe[1].get_feature_names_out()[0] == "ch0_f0"


@pytest.mark.parametrize(
    "X_shape, match",
    [((2, 3, 3), "4-D array of connectivity"), ((2, 3, 4, 5), "square matrices")],
)
def test_node_strength_bad_input(X_shape, match):
    with pytest.raises(ValueError, match=match):
        NodeStrength().fit(np.zeros(X_shape))


@pytest.mark.parametrize(
    ("X", "error", "match"),
    [
        ([np.zeros(2), np.zeros(3)], ValueError, "X could not be converted to a numeric array"),
        ("abc", TypeError, "X must be a numeric array, got a str"),
        (None, ValueError, "4-D array of connectivity matrices"),
        (np.full((1, 1, 2, 2), 1e200), ValueError, "wrong units or corrupt data"),
    ],
)
def test_node_strength_malformed_input(X, error, match):  # F4
    with pytest.raises(error, match=match):
        NodeStrength().fit(X)


def test_node_strength_shape_check_at_transform():
    ns = NodeStrength().fit(np.zeros((1, 3, 4, 4)))
    with pytest.raises(ValueError, match="X has 2 frequencies but NodeStrength was fitted on 3"):
        ns.transform(np.zeros((1, 2, 4, 4)))
    with pytest.raises(ValueError, match="X has 5 channels but NodeStrength was fitted on 4"):
        ns.transform(np.zeros((1, 3, 5, 5)))


# --- Connectivity estimator --------------------------------------------------------------


@pytest.mark.parametrize(
    "kwargs, X_shape, match",
    [
        ({}, (3, 480), "3-D array"),
        ({"fmax": 81.0}, (2, 3, 480), "above the Nyquist"),
        ({"window": 4.0}, (2, 3, 480), "longer than the epochs"),
        ({"metric": "granger"}, (2, 3, 480), "Allowed values are 'coh', 'imcoh'"),
        ({"fres": 8.0}, (2, 3, 480), "coarser than the resolution"),
        ({"window": 0.001}, (2, 3, 480), "at least 2 samples"),
    ],
)
def test_connectivity_bad_input(kwargs, X_shape, match):
    X = np.random.default_rng(0).standard_normal(X_shape)
    with pytest.raises(ValueError, match=match):
        Connectivity(SFREQ, **kwargs).fit(X)


def test_connectivity_rejects_nan():
    X = _coupled_epochs()
    est = Connectivity(SFREQ).fit(X)
    X[0, 2, 3] = np.inf
    with pytest.raises(ValueError, match="NaN or infinite"):
        est.transform(X)


def test_connectivity_rejects_extreme_magnitude():  # F5: cross-spectra would overflow
    X = _coupled_epochs()
    est = Connectivity(SFREQ).fit(X)
    with pytest.raises(ValueError, match="wrong units or corrupt data"):
        est.transform(1e200 * X)
    with pytest.raises(ValueError, match="up to .*e\\+20[01] in magnitude"):
        Connectivity(SFREQ).fit(1e200 * X)


ESTIMATORS = [
    Connectivity(SFREQ, fmin=8, fmax=30),
    Connectivity(SFREQ, metric="pli"),
    NodeStrength(),
]


@pytest.mark.parametrize("estimator", ESTIMATORS, ids=lambda e: repr(e))
def test_array_contract(estimator):
    X = _coupled_epochs(n_epochs=4, n_channels=3)
    if isinstance(estimator, NodeStrength):
        X = spectral_connectivity(X, SFREQ, fmin=8, fmax=12)[0]
    with pytest.raises(NotFittedError):
        clone(estimator).transform(X)
    est = clone(estimator)
    assert est.fit(X) is est
    out = est.transform(X)
    assert out.dtype == np.float64 and np.all(np.isfinite(out))
    assert len(est.get_feature_names_out()) == out[0].size
    order = np.array([2, 0, 3, 1])
    np.testing.assert_allclose(est.transform(X[order]), out[order])
    np.testing.assert_allclose(pickle.loads(pickle.dumps(est)).transform(X), out)
