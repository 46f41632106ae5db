import numpy as np
import pytest

from neuropipe.preprocessing import BandPass, FilterBank, PickChannels, StackBands


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


# These transformers take 3-D epochs (or 4-D filter banks); scikit-learn's data checks
# feed 2-D X, so only the API checks that need no data apply: they run here.
API_CHECKS = [
    "check_no_attributes_set_in_init",
    "check_get_params_invariance",
    "check_set_params",
    "check_parameters_default_constructible",
]


@pytest.mark.parametrize(
    "estimator",
    [BandPass(100.0), FilterBank(100.0), PickChannels(["C3"], ["C3"]), StackBands()],
    ids=lambda e: type(e).__name__,
)
@pytest.mark.parametrize("check", API_CHECKS)
def test_sklearn_api_checks(estimator, check):
    from sklearn.utils import estimator_checks

    getattr(estimator_checks, check)(type(estimator).__name__, estimator)


def test_unfitted_transform_raises():
    from sklearn.exceptions import NotFittedError

    with pytest.raises(NotFittedError):
        BandPass(100.0).transform(np.zeros((1, 1, 100)))
