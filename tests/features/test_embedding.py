"""Order/lag selection: AMI, Cao's method, AutoAugmentedCovariances.

EmbeddingSearchCV is tested in tests/test_model_selection.py.
"""

import numpy as np
import pytest
from scipy.signal import lfilter
from sklearn.metrics import mutual_info_score

from neuropipe.features.augmented import augmented_covariances
from neuropipe.features.embedding import (
    AutoAugmentedCovariances,
    auto_mutual_information,
    cao_e1,
    cao_order,
    first_minimum_lag,
)


def _oscillators(n_epochs, n_channels, n_times, period, seed=0):
    """Narrow-band noise (AR(2) resonance at ``period`` samples), like a filtered EEG rhythm."""
    noise = np.random.default_rng(seed).standard_normal((n_epochs, n_channels, n_times))
    radius, angle = 0.97, 2 * np.pi / period
    return lfilter([1], [1, -2 * radius * np.cos(angle), radius**2], noise, axis=-1)


def _henon(n):
    x, y, out = 0.1, 0.0, []
    for _ in range(n + 100):
        x, y = 1 - 1.4 * x * x + y, 0.3 * x
        out.append(x)
    return np.array(out[100:])


def _lorenz_x(n, dt=0.01, every=5):
    state, out = np.array([1.0, 1.0, 1.0]), []
    for step in range((n + 200) * every):
        x, y, z = state
        state = state + dt * np.array([10 * (y - x), x * (28 - z) - y, x * y - 8 / 3 * z])
        if step % every == 0:
            out.append(state[0])
    return np.array(out[200:])


def test_ami_matches_sklearn_mutual_info_on_the_same_bins():
    X = _oscillators(3, 2, 400, period=30)
    n_bins = 8
    ami = auto_mutual_information(X, 12, n_bins=n_bins)
    series = X.reshape(-1, 400)
    low, high = series.min(1, keepdims=True), series.max(1, keepdims=True)
    codes = np.minimum(((series - low) / (high - low) * n_bins).astype(int), n_bins - 1)
    for lag in (0, 1, 5, 12):
        expected = np.mean([mutual_info_score(c[: 400 - lag], c[lag:]) for c in codes])
        assert ami[lag] == pytest.approx(expected, rel=1e-12)


def test_ami_of_white_noise_vanishes_beyond_lag_zero():
    X = np.random.default_rng(1).standard_normal((4, 3, 3000))
    ami = auto_mutual_information(X, 5, n_bins=8)
    assert ami[0] > 1.5  # the entropy of 8 bins of a Gaussian, about 1.7 nats
    assert np.all(ami[1:] < 0.02)


@pytest.mark.parametrize(("period", "quarter"), [(40, 10), (20, 5), (24, 6)])
def test_first_minimum_of_ami_is_a_quarter_period(period, quarter):
    ami = auto_mutual_information(_oscillators(20, 1, 600, period), 2 * quarter)
    assert abs(first_minimum_lag(ami) - quarter) <= 1


def test_first_minimum_lag_of_a_decreasing_curve_is_its_last_lag():
    assert first_minimum_lag(np.array([3.0, 2.0, 1.0, 0.5])) == 3
    assert first_minimum_lag(np.array([3.0, 1.0, 1.0, 0.5])) == 1


def _cao_e1_brute_force(x, lag, max_order, theiler):
    """Cao's E1 written out with explicit loops (reference implementation)."""
    n_points = x.size - (max_order + 1) * lag

    def vec(i, d):
        return np.array([x[i + k * lag] for k in range(d)])

    e = []
    for d in range(1, max_order + 2):
        ratios = []
        for i in range(n_points):
            best, best_j = np.inf, None
            for j in range(n_points):
                dist = np.max(np.abs(vec(i, d) - vec(j, d)))
                if abs(i - j) > theiler and 0 < dist < best:
                    best, best_j = dist, j
            ratios.append(np.max(np.abs(vec(i, d + 1) - vec(best_j, d + 1))) / best)
        e.append(np.mean(ratios))
    return np.array(e[1:]) / np.array(e[:-1])


def test_cao_e1_matches_brute_force_reference():
    x = _oscillators(1, 1, 90, period=15, seed=3)
    got = cao_e1(x, lag=2, max_order=3, theiler=2)
    np.testing.assert_allclose(got, _cao_e1_brute_force(x[0, 0], 2, 3, 2), rtol=1e-12)


@pytest.mark.parametrize(
    ("series", "lag", "dimension"), [(_henon(1000), 1, 2), (_lorenz_x(1500), 3, 3)]
)
def test_cao_recovers_known_embedding_dimensions(series, lag, dimension):
    assert cao_order(cao_e1(series[None, None], lag=lag, max_order=6)) == dimension


def test_cao_order_without_saturation_is_max_order():
    assert cao_order(np.array([0.2, 0.5, 0.7])) == 3


def test_cao_rejects_spans_longer_than_the_epoch():
    with pytest.raises(ValueError, match="too few for a nearest-neighbour search"):
        cao_e1(np.zeros((1, 1, 50)), lag=10, max_order=5)


def test_auto_augmented_covariances_picks_quarter_period_lag():
    X = _oscillators(10, 3, 400, period=24)
    auto = AutoAugmentedCovariances(max_order=6, max_lag=20, random_state=0).fit(X)
    assert abs(auto.lag_ - 6) <= 1
    assert auto.order_ == cao_order(auto.e1_)
    np.testing.assert_allclose(
        auto.transform(X), augmented_covariances(X, auto.order_, auto.lag_), rtol=1e-12
    )


def test_auto_augmented_covariances_respects_max_dim():
    X = _oscillators(6, 3, 400, period=24)
    assert AutoAugmentedCovariances(max_dim=3, random_state=0).fit(X).order_ == 1


@pytest.mark.slow
def test_auto_lag_on_eegmmidb_mu_band_is_a_quarter_of_a_mu_cycle():
    from neuropipe.datasets import load_dataset

    X = load_dataset("eegmmidb-leftright", subjects=[1], picks=["C3", "Cz", "C4"]).X
    lag = AutoAugmentedCovariances(random_state=0).fit(X).lag_
    # 8-30 Hz at 160 Hz: a quarter cycle of the 10-13 Hz mu rhythm is 3-4 samples
    assert 3 <= lag <= 4
