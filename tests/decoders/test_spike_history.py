"""Spike-history features against an explicit KordingLab-style construction."""

import numpy as np
import pytest

from neuropipe.decoders import SpikeHistory, lag_features


def reference_history(X, before, after):
    """KordingLab get_spikes_with_history, flattened, with zero padding at the edges."""
    n, m = X.shape
    padded = np.vstack([np.zeros((before, m)), X, np.zeros((after, m))])
    return np.stack([padded[t : t + before + after + 1].ravel() for t in range(n)])


@pytest.mark.parametrize("before, after", [(3, 0), (2, 2), (0, 1), (6, 0)])
def test_matches_reference(before, after):
    X = np.random.default_rng(0).poisson(2.0, size=(10, 3)).astype(float)
    np.testing.assert_array_equal(
        lag_features(X, before, after), reference_history(X, before, after)
    )


def test_exclude_current_and_fill_value():
    X = np.arange(4.0)[:, None]
    out = lag_features(X, 1, 1, include_current=False, fill_value=-1.0)
    np.testing.assert_array_equal(out, [[-1, 1], [0, 2], [1, 3], [2, -1]])


def test_transformer_names_and_errors():
    hist = SpikeHistory(bins_before=1, bins_after=1).fit(np.zeros((5, 2)))
    assert hist.get_feature_names_out(["a", "b"]).tolist() == [
        "a_t-1",
        "b_t-1",
        "a_t",
        "b_t",
        "a_t+1",
        "b_t+1",
    ]
    assert hist.transform(np.ones((5, 2))).shape == (5, 6)
    with pytest.raises(ValueError, match="No lags selected"):
        SpikeHistory(bins_before=0, include_current=False).fit(np.zeros((5, 2)))
    with pytest.raises(ValueError, match="'bins_before' must be an integer >= 0"):
        SpikeHistory(bins_before=-1).fit(np.zeros((5, 2)))


@pytest.mark.parametrize(
    "X, error, match",
    [
        (np.float64(1.0), ValueError, r"X must be a 2-D array, got a 0-D array"),
        (None, ValueError, r"X must be a 2-D array, got a 0-D array"),
        ("abc", TypeError, "X must be a numeric array, got a str"),
        ([[1.0, 2.0], [3.0]], ValueError, "X could not be converted to a numeric array"),
        (np.full((3, 2), np.nan), ValueError, r"X contains 6 NaN or infinite value\(s\)"),
    ],
)
def test_lag_features_refuses_bad_input(X, error, match):
    with pytest.raises(error, match=match):
        lag_features(X, 1)


def test_lag_features_refuses_bad_lags():
    with pytest.raises(TypeError, match="'bins_before' must be an integer >= 0, got 2.5"):
        lag_features(np.ones((4, 2)), 2.5)
    with pytest.raises(ValueError, match="'bins_after' must be an integer >= 0, got -1"):
        lag_features(np.ones((4, 2)), 1, -1)


def test_spike_history_refuses_strings():
    with pytest.raises(TypeError, match="X must be a numeric array, got a str"):
        SpikeHistory().fit("abc")
    hist = SpikeHistory().fit(np.zeros((5, 2)))
    with pytest.raises(ValueError, match="X must be a numeric array, got dtype <U5"):
        hist.transform(np.full((5, 2), "spike"))
