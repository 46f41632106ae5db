"""Log spectra and band power at any amplitude (issue 28, "numerics").

At amplitudes of 1e-160 and below the powers underflow float64: every epoch got the same
log features, without an error. On bundled EEGMMIDB epochs (S001, runs 4 and 8): the log
features at 1e-160 and 1e-300 are those at the original scale shifted by 2 log10(scale);
without log, epochs whose powers underflow are refused.
"""

import numpy as np
import pytest

from neuropipe.datasets import EEGMMIDBLeftRight
from neuropipe.features.spectral import PSD, BandPower


@pytest.fixture(scope="module")
def epochs():
    data = EEGMMIDBLeftRight().load(subjects=[1], tmin=0.5, tmax=2.5)
    return data.X[:10, :8], data.sfreq


@pytest.mark.parametrize(
    "make",
    [
        lambda sfreq: PSD(sfreq=sfreq, fmin=8.0, fmax=30.0, log=True),
        lambda sfreq: PSD(sfreq=sfreq, fmin=8.0, fmax=30.0, log=True, method="welch"),
        lambda sfreq: BandPower(sfreq=sfreq, log=True),
    ],
    ids=["PSD-burg", "PSD-welch", "BandPower"],
)
@pytest.mark.parametrize("scale", [1e-160, 1e-300, 1e90])
def test_log_features_do_not_depend_on_the_unit(epochs, make, scale):
    X, sfreq = epochs
    reference = make(sfreq).fit(X).transform(X)
    scaled = make(sfreq).fit(X * scale).transform(X * scale)
    np.testing.assert_allclose(scaled, reference + 2 * np.log10(scale), rtol=0, atol=1e-9)
    assert np.ptp(scaled, axis=0).min() > 0  # epochs still differ


def test_power_that_would_underflow_is_refused(epochs):
    X, sfreq = epochs
    with pytest.raises(ValueError, match=r"amplitudes down to [\d.]+e-159, .* Use log=True"):
        PSD(sfreq=sfreq, fmin=8.0, fmax=30.0).fit(X * 1e-160).transform(X * 1e-160)
    power = BandPower(sfreq=sfreq).fit(X * 1e-100).transform(X * 1e-100)
    np.testing.assert_allclose(power, BandPower(sfreq=sfreq).fit(X).transform(X) * 1e-200)
