import pickle

import numpy as np
import pytest
from pyriemann.estimation import Covariances
from pyriemann.tangentspace import TangentSpace
from sklearn.base import clone

from neuropipe.ensemble import MI_BANDS, FilterBankTangentSpace
from neuropipe.preprocessing import BandPass


def _epochs(n=12, n_channels=3, n_times=480, seed=0):
    return np.random.default_rng(seed).standard_normal((n, n_channels, n_times))


def test_one_band_equals_bandpass_covariance_tangent_space():
    X = _epochs()
    fbts = FilterBankTangentSpace(160.0, bands=[(8, 12)]).fit(X)
    filtered = BandPass(160.0, 8, 12).fit_transform(X)
    covs = Covariances("oas").transform(filtered)
    np.testing.assert_allclose(
        fbts.transform(X), TangentSpace(metric="riemann").fit(covs).transform(covs), atol=1e-10
    )


def test_bands_concatenate_in_order_with_names():
    X = _epochs()
    fbts = FilterBankTangentSpace(160.0).fit(X)
    out = fbts.transform(X)
    assert out.shape == (12, len(MI_BANDS) * 6)
    names = fbts.get_feature_names_out()
    assert names[0] == "8-12Hz_ts0" and names[-1] == "28-32Hz_ts5" and len(names) == out.shape[1]
    # a 10 Hz rhythm added to channel 0 moves the 8-12 Hz features, not the 20-24 Hz ones
    t = np.arange(480) / 160.0
    Y = X.copy()
    Y[:, 0] += 5 * np.sin(2 * np.pi * 10 * t)
    change = np.abs(fbts.transform(Y) - out).reshape(12, len(MI_BANDS), 6).mean(axis=(0, 2))
    assert change[0] > 10 * change[3]


def test_channel_mismatch_and_bad_metric():
    fbts = FilterBankTangentSpace(160.0).fit(_epochs())
    with pytest.raises(ValueError, match="X has 4 channels but FilterBankTangentSpace was fitted on"):
        fbts.transform(_epochs(n_channels=4))
    with pytest.raises(ValueError, match="Invalid value for the 'metric' parameter"):
        FilterBankTangentSpace(160.0, metric="euclid").fit(_epochs())


def test_epoch_contract():
    """The 3-D contract that tests/test_common.py's 2-D checks cannot test: cloning,
    refitting, order, pickling."""
    X = _epochs(n=8)
    fbts = FilterBankTangentSpace(160.0, bands=[(8, 12), (12, 30)])
    params = fbts.get_params()
    out = fbts.fit(X).transform(X)
    assert fbts.get_params() == params
    order = np.random.default_rng(1).permutation(8)
    np.testing.assert_allclose(fbts.transform(X[order]), out[order], atol=1e-10)
    np.testing.assert_allclose(pickle.loads(pickle.dumps(fbts)).transform(X), out)
    np.testing.assert_allclose(clone(fbts).fit(X[:4]).fit(X).transform(X), out)
