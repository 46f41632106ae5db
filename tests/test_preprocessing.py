import pickle

import numpy as np
import pytest
from scipy.signal import butter, sosfiltfilt
from sklearn.base import clone
from sklearn.exceptions import NotFittedError

from neuropipe.preprocessing import (
    BandPass,
    CommonAverageReference,
    EpochsToArray,
    FilterBank,
    PickChannels,
    StackBands,
    stimulus_bands,
)


def _sines(freqs, sfreq=200.0, n_times=800):
    t = np.arange(n_times) / sfreq
    return np.stack([np.sin(2 * np.pi * f * t) for f in freqs])[None]


def test_bandpass_keeps_in_band_and_removes_out_of_band():
    X = _sines([10.0, 40.0])
    out = BandPass(200.0, 8.0, 12.0).fit_transform(X)
    core = slice(200, 600)
    assert np.std(out[0, 0, core]) == pytest.approx(np.std(X[0, 0, core]), rel=0.05)
    assert np.std(out[0, 1, core]) < 0.01


def test_filter_bank_and_stack_bands_order():
    X = np.random.default_rng(0).standard_normal((3, 2, 400))
    fb = FilterBank(200.0, [(8, 12), (20, 30)]).fit_transform(X)
    assert fb.shape == (3, 2, 400, 2)
    stacked = StackBands().fit_transform(fb)
    np.testing.assert_array_equal(stacked[:, 2:4], fb[..., 1])


def test_pick_channels():
    X = np.random.default_rng(0).standard_normal((2, 3, 10))
    pick = PickChannels(["C3", "Cz", "C4"], ["C4", "C3"]).fit(X)
    np.testing.assert_array_equal(pick.transform(X), X[:, [2, 0]])
    assert pick.get_feature_names_out().tolist() == ["C4", "C3"]
    with pytest.raises(ValueError, match="Unknown channels \\['Oz'\\]"):
        PickChannels(["C3"], ["Oz"]).fit(X[:, :1])


def test_bad_input():
    with pytest.raises(ValueError, match="above the Nyquist"):
        BandPass(100.0, 8.0, 60.0).fit(np.zeros((1, 1, 100)))
    with pytest.raises(ValueError, match="3-D array"):
        BandPass(100.0).fit(np.zeros((4, 100)))
    with pytest.raises(ValueError, match="NaN"):
        BandPass(100.0).fit(np.full((1, 1, 100), np.nan))
    with pytest.raises(ValueError, match="4-D array"):
        StackBands().fit(np.zeros((1, 2, 3)))


# --- regression tests for bugs found by fuzzing (docs/reliability.md) --------------------


def test_empty_picks_rejected_in_fit():  # F1
    with pytest.raises(ValueError, match="'picks' is empty; give at least one channel name"):
        PickChannels(["C3", "C4"], []).fit(np.zeros((1, 2, 4)))


@pytest.mark.parametrize("l_freq", [0.0, None])
@pytest.mark.parametrize("h_freq", [32.0, None])
def test_all_pass_band_rejected(l_freq, h_freq):  # F2
    with pytest.raises(ValueError, match="filter nothing; raise l_freq .* or lower h_freq"):
        BandPass(64.0, l_freq, h_freq).fit(np.zeros((1, 1, 64)))


@pytest.mark.parametrize(
    ("l_freq", "h_freq", "order", "btype", "padlen"),
    [
        (12.0, 30.0, 4, "bandpass", 27),  # 4 sections: 3 * (2 * 4 + 1)
        (12.0, None, 1, "highpass", 6),  # one section with a zero coefficient: 3 * (3 - 1)
        (None, 20.0, 2, "lowpass", 9),
    ],
)
def test_epochs_must_exceed_filtfilt_padding(l_freq, h_freq, order, btype, padlen):  # F19
    X = np.random.default_rng(0).standard_normal((2, 1, padlen + 1))
    with pytest.raises(ValueError, match=f"needs more than {padlen} .*use longer epochs"):
        BandPass(64.0, l_freq, h_freq, order).fit(X[..., :padlen])
    est = BandPass(64.0, l_freq, h_freq, order).fit(X)
    with pytest.raises(ValueError, match=f"needs more than {padlen}"):
        est.transform(X[..., :padlen])
    edges = [f for f in (l_freq, h_freq) if f is not None]
    sos = butter(order, edges if len(edges) == 2 else edges[0], btype, fs=64.0, output="sos")
    np.testing.assert_allclose(est.transform(X), sosfiltfilt(sos, X, axis=-1))
    with pytest.raises(ValueError, match=f"needs more than {padlen}"):
        FilterBank(64.0, [(l_freq or 0.0, h_freq or 32.0)], order).fit(X[..., :padlen])


def test_extreme_magnitude_rejected():  # F5
    X = 1e200 * np.random.default_rng(0).standard_normal((1, 2, 64))
    with pytest.raises(ValueError, match="wrong units or corrupt data"):
        BandPass(64.0, 8.0, 12.0).fit(X)


# --- scikit-learn contract ---------------------------------------------------------------

# scikit-learn's check_estimator runs in tests/test_common.py; the 3-D equivalents of its
# 2-D checks are in test_epoch_contract below.
ESTIMATORS = [
    BandPass(100.0),
    FilterBank(100.0),
    FilterBank(100.0, method="mne"),
    PickChannels(["C3", "Cz", "C4"], ["C4", "C3"]),
    StackBands(),
    CommonAverageReference(),
]


def test_common_average_reference_zero_mean_over_channels():
    X = np.random.default_rng(0).standard_normal((4, 5, 50)) + 3.0
    out = CommonAverageReference().fit_transform(X)
    np.testing.assert_allclose(out.mean(axis=1), 0.0, atol=1e-12)
    np.testing.assert_allclose(out[:, 2], X[:, 2] - X.mean(axis=1))


def _input(estimator, n_epochs=6):
    rng = np.random.default_rng(0)
    shape = (n_epochs, 3, 200, 2) if isinstance(estimator, StackBands) else (n_epochs, 3, 200)
    return rng.standard_normal(shape)


@pytest.mark.parametrize("estimator", ESTIMATORS, ids=lambda e: type(e).__name__)
def test_epoch_contract(estimator, tmp_path):
    X = _input(estimator)
    with pytest.raises(NotFittedError):
        clone(estimator).transform(X)
    est = clone(estimator)
    params = est.get_params()
    assert est.fit(X) is est
    assert est.get_params() == params and est.n_channels_ == 3
    out = est.transform(X)
    assert out.dtype == np.float64 and np.all(np.isfinite(out)) and len(out) == len(X)
    order = np.random.default_rng(1).permutation(len(X))
    np.testing.assert_allclose(est.transform(X[order]), out[order])
    np.testing.assert_allclose(est.transform(X[:2]), out[:2])
    np.testing.assert_allclose(est.transform(X.astype(np.float32)), out, rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(est.transform(np.asfortranarray(X)), out)
    np.testing.assert_allclose(est.transform(X.tolist()), out)
    np.testing.assert_allclose(pickle.loads(pickle.dumps(est)).transform(X), out)
    np.testing.assert_allclose(clone(estimator).fit(X[:1]).fit(X).transform(X), out)
    np.testing.assert_allclose(clone(estimator).fit_transform(X), out)
    memmap = np.lib.format.open_memmap(tmp_path / "X.npy", mode="w+", shape=X.shape)
    memmap[:] = X
    readonly = np.load(tmp_path / "X.npy", mmap_mode="r")
    np.testing.assert_allclose(clone(estimator).fit(readonly).transform(readonly), out)
    with pytest.raises(ValueError, match="X has 2 channels but .* was fitted on 3; pick the same"):
        est.transform(X[:, :2])
    bad = X.copy()
    bad.flat[5] = np.nan
    for method in (clone(estimator).fit, est.transform):
        with pytest.raises(ValueError, match="NaN or infinite"):
            method(bad)


def test_unfitted_transform_raises():
    with pytest.raises(NotFittedError):
        BandPass(100.0).transform(np.zeros((1, 1, 100)))


def test_epochs_to_array_scales_mne_epochs_only():
    import mne

    X = np.random.default_rng(0).standard_normal((3, 2, 20))
    epochs = mne.EpochsArray(X * 1e-6, mne.create_info(2, 100.0, "eeg"), verbose="ERROR")
    np.testing.assert_allclose(EpochsToArray().fit_transform(epochs), X)
    np.testing.assert_allclose(EpochsToArray(scale=1e3).fit_transform(epochs), X * 1e-3)
    np.testing.assert_array_equal(EpochsToArray(scale=1e3).fit_transform(X), X)
    with pytest.raises(ValueError, match="X has 3 channels but EpochsToArray was fitted on 2;"):
        EpochsToArray().fit(X).transform(np.zeros((1, 3, 20)))
    with pytest.raises(ValueError, match="X has 3 features, but EpochsToArray is expecting 2"):
        EpochsToArray().fit(X[:, :, 0]).transform(np.zeros((1, 3)))  # 2-D: scikit-learn's


# --- FilterBank as MOABB's FilterBankSSVEP: its filter, its bands, its arrays unchanged -------


def _ssvep_epochs(X, sfreq=256.0, names=("13", "17", "rest")):
    import mne

    codes = {name: code for code, name in enumerate(names, start=1)}
    events = np.column_stack(
        [np.arange(len(X)) * 1000, np.zeros(len(X), int), np.arange(len(X)) % len(names) + 1]
    )
    info = mne.create_info([f"O{i}" for i in range(X.shape[1])], sfreq, "eeg")
    return mne.EpochsArray(X * 1e-6, info, events, event_id=codes, verbose="ERROR")


def test_filter_bank_mne_method_is_moabbs_filter():
    """method="mne" on one long epoch = MOABB's band-pass step on the recording."""
    import mne
    from moabb.datasets.preprocessing import get_filter_pipeline

    X = np.random.default_rng(0).standard_normal((1, 3, 2560))
    raw = mne.io.RawArray(X[0], mne.create_info(3, 256.0, "eeg"), verbose="ERROR")
    bands = [(12.5, 13.5), (20.5, 21.5)]
    theirs = [get_filter_pipeline(lo, hi).transform(raw.copy()).get_data() for lo, hi in bands]
    ours = FilterBank(256.0, bands, method="mne").fit_transform(X)
    np.testing.assert_allclose(ours[0], np.stack(theirs, axis=-1), rtol=0, atol=1e-12)
    # and not scipy's sosfiltfilt with its own padding: the edges differ
    assert not np.allclose(FilterBank(256.0, bands).fit_transform(X), ours, atol=1e-3)


def test_filter_bank_bands_and_rate_from_mne_epochs():
    X = np.random.default_rng(0).standard_normal((6, 2, 512))
    epochs = _ssvep_epochs(X)
    fb = FilterBank(bands=None, method="mne").fit(epochs)
    assert fb.bands_ == [(12.5, 13.5), (16.5, 17.5)] and fb.sfreq_ == 256.0
    assert stimulus_bands(["21", "13.5", "rest", "21"]) == [(20.5, 21.5), (13.0, 14.0)]
    # the same as the microvolt arrays with the bands and rate given
    given = FilterBank(256.0, fb.bands_, method="mne").fit(X)
    np.testing.assert_allclose(fb.transform(epochs), given.transform(X), rtol=1e-9, atol=1e-12)
    # a list of Epochs (what cross-validation makes of one) and a subset keep the events
    parts = [epochs[i] for i in range(len(X))]
    assert FilterBank(bands=None, method="mne").fit(parts).bands_ == fb.bands_
    np.testing.assert_allclose(fb.transform(epochs[[1, 4]]), given.transform(X[[1, 4]]),
                               rtol=1e-9, atol=1e-12)


def test_filter_bank_passes_filter_bank_epochs_through():
    banked = np.random.default_rng(0).standard_normal((4, 2, 100, 3))
    for est in (FilterBank(bands=None, method="mne"), FilterBank(256.0, [(8, 12)] * 3)):
        assert est.fit(banked).transform(banked) is banked
        assert est.n_bands_ == 3 and est.n_channels_ == 2
    # with its bands and rate, a bank fitted on filter-bank epochs also filters 3-D ones
    X = np.random.default_rng(1).standard_normal((4, 2, 100))
    np.testing.assert_array_equal(
        FilterBank(256.0, [(8, 12)] * 3).fit(banked).transform(X),
        FilterBank(256.0, [(8, 12)] * 3).fit(X).transform(X),
    )
    with pytest.raises(ValueError, match="X has 2 bands .* the filter bank has 3"):
        FilterBank(256.0, [(8, 12)] * 3).fit(banked[..., :2])
    with pytest.raises(ValueError, match="X has 2 bands .* fitted on 3"):
        FilterBank(bands=None).fit(banked).transform(banked[..., :2])


def test_filter_bank_says_what_it_lacks():
    X = np.random.default_rng(0).standard_normal((6, 2, 512))
    with pytest.raises(ValueError, match="was fitted on arrays, which carry none; .* bands="):
        FilterBank(bands=None).fit(np.ones((2, 2, 100, 3)).cumsum(axis=2)).transform(X)
    with pytest.raises(ValueError, match="was fitted on arrays, which carry none"):
        FilterBank(256.0, bands=None).fit(X)
    with pytest.raises(ValueError, match="needs their sampling rate: pass sfreq"):
        FilterBank(bands=[(8, 12)]).fit(X)
    with pytest.raises(ValueError, match="no event of the mne.Epochs is named by a frequency"):
        FilterBank(bands=None).fit(_ssvep_epochs(X, names=("left", "right")))
    with pytest.raises(ValueError, match="sampled at 256 Hz but the estimator was given"):
        FilterBank(128.0, bands=None).fit(_ssvep_epochs(X))
    with pytest.raises(ValueError, match="Invalid value for the 'method' parameter"):
        FilterBank(256.0, method="fir").fit(X)
