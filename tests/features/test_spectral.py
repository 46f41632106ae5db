import pickle

import numpy as np
import pytest
import spectrum
from mne.time_frequency import psd_array_multitaper
from scipy.signal import lfilter, welch
from sklearn.base import clone
from sklearn.exceptions import NotFittedError

from neuropipe.features.spectral import PSD, BandPower, burg_ar, psd_array

SFREQ = 160.0


def _ar2_epochs(n_epochs=3, n_channels=2, n_times=480, seed=0):
    rng = np.random.default_rng(seed)
    noise = rng.standard_normal((n_epochs, n_channels, n_times + 200))
    # resonance near 12 Hz at 160 Hz: poles at 0.95 * exp(+-2j*pi*12/160)
    a = [1.0, -2 * 0.95 * np.cos(2 * np.pi * 12 / SFREQ), 0.95**2]
    return lfilter([1.0], a, noise, axis=-1)[..., 200:], np.asarray(a)


# --- burg_ar -----------------------------------------------------------------------------


@pytest.mark.parametrize("order", [1, 4, 12])
def test_burg_ar_matches_spectrum_arburg(order):
    X = np.random.default_rng(1).standard_normal((3, 60))
    a, sigma2 = burg_ar(X, order)
    for x, a_i, s_i in zip(X, a, sigma2):
        ref_a, ref_rho, _ = spectrum.arburg(x, order)
        np.testing.assert_allclose(a_i, np.r_[1.0, ref_a.real], atol=1e-10)
        np.testing.assert_allclose(s_i, ref_rho, rtol=1e-10)


def test_burg_ar_recovers_ar2_model():
    X, a_true = _ar2_epochs(n_epochs=1, n_channels=1, n_times=20000)
    a, sigma2 = burg_ar(X, 2)
    np.testing.assert_allclose(a[0, 0], a_true, atol=0.02)
    np.testing.assert_allclose(sigma2[0, 0], 1.0, rtol=0.05)


def test_burg_ar_constant_signal_is_white():
    a, sigma2 = burg_ar(np.zeros((2, 30)), 3)
    np.testing.assert_array_equal(a, [[1, 0, 0, 0]] * 2)
    np.testing.assert_array_equal(sigma2, 0.0)


def test_burg_ar_order_too_high():
    with pytest.raises(ValueError, match="lower than the number of samples"):
        burg_ar(np.ones(5), 5)


@pytest.mark.parametrize(
    ("x", "error", "match"),
    [
        (np.float64(1.0), ValueError, "got a scalar; pass the samples"),
        (None, TypeError, "got None"),
        ("abc", TypeError, "must be a numeric array, got a str"),
        ([[1.0, 2.0], [3.0]], ValueError, "could not be converted to a numeric array"),
        (np.zeros((2, 0)), ValueError, "x is empty"),
        ([1.0, np.nan, 2.0, 3.0], ValueError, "NaN or infinite value.*remove or interpolate"),
        (np.full(8, 1e200), ValueError, "up to 1e\\+200 .* wrong units or corrupt data"),
    ],
)
def test_burg_ar_checks_its_input(x, error, match):  # F3, F5
    with pytest.raises(error, match=match):
        burg_ar(x, 1)


def test_burg_ar_accepts_lists_and_int_arrays():
    x = [0, 3, 1, -2, 4, 1, 0, -1]
    a, sigma2 = burg_ar(x, 2)
    ref_a, ref_rho, _ = spectrum.arburg(np.asarray(x, dtype=float), 2)
    np.testing.assert_allclose(a, np.r_[1.0, ref_a.real], atol=1e-12)
    np.testing.assert_allclose(sigma2, ref_rho, rtol=1e-12)


# --- psd_array ---------------------------------------------------------------------------


def test_burg_psd_matches_spectrum_pburg_window_average():
    X, _ = _ar2_epochs(n_epochs=2, n_channels=2, n_times=200)
    psd, freqs = psd_array(
        X, SFREQ, method="burg", order=8, window=0.25, step=0.161, fmin=1, fmax=79
    )
    np.testing.assert_array_equal(freqs, np.arange(1.0, 80.0))
    n_win, n_step = 40, 26
    for e in range(2):
        for c in range(2):
            ref = []
            for start in range(0, 200 - n_win + 1, n_step):
                seg = X[e, c, start : start + n_win]
                p = spectrum.pburg(seg - seg.mean(), 8, NFFT=160, sampling=SFREQ)
                p()
                ref.append(p.psd[1:80])
            np.testing.assert_allclose(psd[e, c], np.mean(ref, axis=0), rtol=1e-8)


def test_happyfeat_order_in_seconds_is_rounded_to_samples():
    X, _ = _ar2_epochs()
    by_seconds = psd_array(X, SFREQ, order=0.038)[0]  # 0.038 s * 160 Hz = 6.08 -> 6
    by_samples = psd_array(X, SFREQ, order=6)[0]
    np.testing.assert_array_equal(by_seconds, by_samples)


@pytest.mark.parametrize("method", ["burg", "welch", "multitaper"])
def test_white_noise_density_level(method):
    # one-sided density of unit-variance white noise is 2 / sfreq
    X = np.random.default_rng(2).standard_normal((20, 4, 480))
    psd, freqs = psd_array(X, SFREQ, method=method, fmin=5, fmax=70)
    np.testing.assert_allclose(psd.mean(), 2 / SFREQ, rtol=0.05)


@pytest.mark.parametrize("method", ["burg", "welch", "multitaper"])
def test_peak_at_ar_resonance(method):
    X, _ = _ar2_epochs(n_epochs=5)
    psd, freqs = psd_array(X, SFREQ, method=method, fmin=2, fmax=40)
    peak = freqs[np.argmax(psd.mean(axis=(0, 1)))]
    assert abs(peak - 12.0) <= 1.0


def test_welch_delegates_to_scipy():
    X, _ = _ar2_epochs()
    psd, freqs = psd_array(X, SFREQ, method="welch", fmin=8, fmax=30, window=0.5, step=0.1)
    ref_f, ref = welch(X, fs=SFREQ, nperseg=80, noverlap=64, nfft=160, axis=-1)
    keep = (ref_f >= 8) & (ref_f <= 30)
    np.testing.assert_allclose(psd, ref[..., keep])
    np.testing.assert_array_equal(freqs, np.arange(8.0, 31.0))


def test_multitaper_delegates_to_mne():
    X, _ = _ar2_epochs()
    psd, freqs = psd_array(X, SFREQ, method="multitaper", fmin=8, fmax=30, bandwidth=2.0)
    ref, ref_f = psd_array_multitaper(
        X - X.mean(axis=-1, keepdims=True),
        SFREQ,
        fmin=8,
        fmax=30,
        bandwidth=2.0,
        normalization="full",
        verbose=False,
    )
    np.testing.assert_allclose(psd, ref)
    np.testing.assert_array_equal(freqs, ref_f)


@pytest.mark.parametrize("n_times", [2, 5, 8])
def test_multitaper_rejects_epochs_too_short_for_default_tapers(n_times):  # F18
    X = np.ones((1, 1, n_times))
    with pytest.raises(ValueError, match=f"{n_times} samples are too short for multitaper"):
        psd_array(X, 64.0, method="multitaper", fmin=0.0)
    with pytest.raises(ValueError, match="use longer epochs, a 'bandwidth' from"):
        PSD(64.0, method="multitaper", fmin=0.0).fit(X)


@pytest.mark.parametrize(
    ("n_times", "bandwidth"),
    [(9, None), (4, 32.0), (4, 63.0)],  # shortest default epochs; short epochs, wide band
)
def test_multitaper_short_epochs_at_the_limit_match_mne(n_times, bandwidth):
    X = np.random.default_rng(0).standard_normal((2, 1, n_times))
    psd, freqs = psd_array(X, 64.0, method="multitaper", fmin=0.0, bandwidth=bandwidth)
    ref, ref_f = psd_array_multitaper(
        X - X.mean(axis=-1, keepdims=True),
        64.0,
        fmin=0.0,
        bandwidth=bandwidth,
        normalization="full",
        verbose=False,
    )
    np.testing.assert_allclose(psd, ref)
    np.testing.assert_array_equal(freqs, ref_f)


@pytest.mark.parametrize(
    ("bandwidth", "match"),
    [
        (64.0, "too wide for multitaper .* below sfreq=64 Hz"),
        (1.0, "narrower than the frequency resolution .* use bandwidth >= 6.4 Hz"),
        (-2.0, "positive frequency"),
    ],
)
def test_multitaper_bad_bandwidth(bandwidth, match):  # F18
    X = np.random.default_rng(0).standard_normal((1, 1, 10))
    with pytest.raises(ValueError, match=match):
        psd_array(X, 64.0, method="multitaper", fmin=0.0, bandwidth=bandwidth)


def test_linear_detrend_removes_a_ramp():
    ramp = np.broadcast_to(np.linspace(0, 100, 480), (2, 1, 480))
    noise = np.random.default_rng(3).standard_normal((2, 1, 480))
    clean = psd_array(noise, SFREQ, detrend="linear", method="welch")[0]
    ramped = psd_array(noise + ramp, SFREQ, detrend="linear", method="welch")[0]
    np.testing.assert_allclose(ramped, clean, rtol=1e-6)


# --- PSD estimator -----------------------------------------------------------------------


def test_psd_estimator_shapes_log_and_names():
    X, _ = _ar2_epochs()
    est = PSD(SFREQ, fmin=8, fmax=12, fres=0.5, order=10, ch_names=["C3", "C4"]).fit(X)
    out = est.transform(X)
    assert out.shape == (3, 2, 9)
    np.testing.assert_array_equal(est.freqs_, np.arange(8.0, 12.5, 0.5))
    names = est.get_feature_names_out()
    assert names[:3].tolist() == ["C3_8Hz", "C3_8.5Hz", "C3_9Hz"]
    assert names[9] == "C4_8Hz" and len(names) == 18
    log = clone(est).set_params(log=True).fit_transform(X)
    np.testing.assert_allclose(log, np.log10(out))


def test_psd_default_names_and_channel_count_check():
    X, _ = _ar2_epochs()
    est = PSD(SFREQ, fmin=10, fmax=11).fit(X)
    assert est.get_feature_names_out().tolist() == ["ch0_10Hz", "ch0_11Hz", "ch1_10Hz", "ch1_11Hz"]
    with pytest.raises(ValueError, match="X has 1 channels but PSD was fitted on 2; pick the same"):
        est.transform(X[:, :1])
    with pytest.raises(ValueError, match="one name per channel"):
        PSD(SFREQ, ch_names=["C3"]).fit(X)


@pytest.mark.parametrize(
    "kwargs, X_shape, match",
    [
        ({}, (4, 480), "3-D array"),
        ({"fmax": 100.0}, (2, 2, 480), "above the Nyquist"),
        ({"window": 4.0}, (2, 2, 480), "longer than the epochs"),
        ({"method": "welch", "window": 4.0}, (2, 2, 480), "longer than the epochs"),
        ({"order": 30}, (2, 2, 480), "too high for 40-sample windows"),
        ({"order": 0.2}, (2, 2, 480), "too high for 40-sample windows"),
        ({"method": "wlech"}, (2, 2, 480), "Allowed values are 'burg', 'welch'"),
        ({"detrend": "quadratic"}, (2, 2, 480), "'detrend' parameter"),
        ({"fmin": 10.2, "fmax": 10.8}, (2, 2, 480), "No frequency bin"),
        ({"method": "welch", "window": 2.0}, (2, 2, 480), "coarser than the resolution"),
        ({"fres": 0}, (2, 2, 480), "positive bin width"),
        ({"method": "welch", "step": 2.0}, (2, 2, 480), "step <= window"),
    ],
)
def test_psd_bad_input(kwargs, X_shape, match):
    X = np.random.default_rng(0).standard_normal(X_shape)
    with pytest.raises(ValueError, match=match):
        PSD(SFREQ, **kwargs).fit(X)


def test_psd_rejects_nan():
    X = np.random.default_rng(0).standard_normal((2, 2, 480))
    est = PSD(SFREQ).fit(X)
    X[1, 0, 7] = np.nan
    with pytest.raises(ValueError, match="NaN"):
        est.transform(X)


@pytest.mark.parametrize("estimator", [PSD(SFREQ), BandPower(SFREQ)], ids=lambda e: repr(e))
def test_extreme_magnitude_rejected(estimator):  # F5: squares would overflow to inf
    X, _ = _ar2_epochs()
    with pytest.raises(ValueError, match="wrong units or corrupt data"):
        clone(estimator).fit(1e200 * X)
    est = clone(estimator).fit(X)
    with pytest.raises(ValueError, match="up to .*e\\+20[01] in magnitude"):
        est.transform(1e200 * X)


# --- BandPower ---------------------------------------------------------------------------


def test_band_power_is_mean_of_psd_bins():
    X, _ = _ar2_epochs()
    bp = BandPower(SFREQ, bands={"mu": (8, 13), "low": (4, 6)}, ch_names=["C3", "C4"])
    out = bp.fit_transform(X)
    psd, freqs = psd_array(X, SFREQ, method="welch", fmin=4, fmax=13)
    np.testing.assert_allclose(out[..., 0], psd[..., (freqs >= 8) & (freqs <= 13)].mean(-1))
    np.testing.assert_allclose(out[..., 1], psd[..., (freqs >= 4) & (freqs <= 6)].mean(-1))
    assert bp.get_feature_names_out().tolist() == ["C3_mu", "C3_low", "C4_mu", "C4_low"]
    # the 12 Hz resonance puts more power in mu than in 4-6 Hz
    assert np.all(out[..., 0] > out[..., 1])


def test_band_power_bad_bands():
    X, _ = _ar2_epochs()
    with pytest.raises(ValueError, match="'bands' parameter"):
        BandPower(SFREQ, bands=("mu", "sigma")).fit(X)
    with pytest.raises(ValueError, match="0 <= low < high"):
        BandPower(SFREQ, bands={"bad": (30, 8)}).fit(X)


# --- scikit-learn contract ---------------------------------------------------------------

ESTIMATORS = [PSD(SFREQ, fmin=8, fmax=30), PSD(SFREQ, method="welch"), BandPower(SFREQ)]


@pytest.mark.parametrize("estimator", ESTIMATORS, ids=lambda e: repr(e))
def test_epoch_contract(estimator):
    X, _ = _ar2_epochs(n_epochs=6)
    with pytest.raises(NotFittedError):
        clone(estimator).transform(X)
    est = clone(estimator)
    assert est.fit(X) is est
    out = est.transform(X)
    assert out.ndim == 3 and out.dtype == np.float64 and np.all(np.isfinite(out))
    assert len(est.get_feature_names_out()) == out[0].size
    order = np.random.default_rng(0).permutation(6)
    np.testing.assert_allclose(est.transform(X[order]), out[order])
    np.testing.assert_allclose(est.transform(X[:2]), out[:2])
    np.testing.assert_allclose(pickle.loads(pickle.dumps(est)).transform(X), out)
    np.testing.assert_allclose(clone(estimator).fit(X[:1]).transform(X), out)


# --- real data ---------------------------------------------------------------------------


@pytest.mark.slow
def test_real_eeg_band_passed_power_is_in_band():
    from neuropipe.datasets import load_dataset

    ep = load_dataset(
        "eegmmidb-leftright", subjects=[1], tmin=0.5, tmax=2.5, l_freq=8.0, h_freq=30.0
    )
    for method in ("burg", "welch"):
        psd, freqs = psd_array(ep.X, ep.sfreq, method=method, fmin=1, fmax=60)
        in_band = psd[..., (freqs >= 10) & (freqs <= 25)].mean()
        out_band = psd[..., freqs >= 40].mean()
        assert in_band > 20 * out_band, method


@pytest.mark.parametrize("cls", [PSD, BandPower])
def test_flatten_is_channel_major_like_the_feature_names(cls):
    X = np.random.default_rng(1).standard_normal((5, 3, 320))
    cube = cls(sfreq=160.0, ch_names=["C3", "Cz", "C4"]).fit(X)
    flat = cls(sfreq=160.0, ch_names=["C3", "Cz", "C4"], flatten=True).fit(X)
    out = flat.transform(X)
    assert out.shape == (5, len(flat.get_feature_names_out()))
    np.testing.assert_array_equal(out, cube.transform(X).reshape(5, -1))
    assert list(flat.get_feature_names_out()) == list(cube.get_feature_names_out())
