"""Decoding metrics against hand values and scikit-learn / numpy references."""

import numpy as np
import pytest
from sklearn.metrics import r2_score

from neuropipe.decoders import correlation, maae, nrmse, r2


@pytest.fixture
def pair():
    rng = np.random.default_rng(0)
    y = rng.standard_normal((200, 2))
    return y, 0.7 * y + 0.3 * rng.standard_normal((200, 2))


def test_nrmse(pair):
    y, p = pair
    assert nrmse(y, np.zeros_like(y)) == pytest.approx(1.0)
    assert nrmse(y, y) == 0.0
    assert nrmse(y, p) == pytest.approx(np.sqrt(np.sum((p - y) ** 2) / np.sum(y**2)))
    np.testing.assert_allclose(
        nrmse(y, p, per_state=True), np.sqrt(np.sum((p - y) ** 2, 0) / np.sum(y**2, 0))
    )


def test_maae_hand_values():
    y = np.array([[1.0, 0.0], [0.0, 1.0], [-1.0, -1.0], [1.0, 1.0]])
    p = np.array([[0.0, 2.0], [0.0, -3.0], [-2.0, -2.0], [-1.0, 0.0]])
    # angle errors: pi/2, pi, 0 and 3 pi/4
    assert maae(y, p) == pytest.approx((np.pi / 2 + np.pi + 0 + 3 * np.pi / 4) / 4)
    assert maae(y, y) == 0.0


def test_maae_chance_is_half_pi():
    rng = np.random.default_rng(1)
    assert maae(rng.standard_normal((20000, 2)), rng.standard_normal((20000, 2))) == (
        pytest.approx(np.pi / 2, abs=0.03)
    )


def test_r2_and_correlation_match_references(pair):
    y, p = pair
    np.testing.assert_allclose(r2(y, p, per_state=True), r2_score(y, p, multioutput="raw_values"))
    assert r2(y, p) == pytest.approx(r2_score(y, p))
    expected = [np.corrcoef(y[:, j], p[:, j])[0, 1] for j in range(2)]
    np.testing.assert_allclose(correlation(y, p, per_state=True), expected)
    assert correlation(y[:, 0], p[:, 0]) == pytest.approx(expected[0])


def test_errors(pair):
    y, p = pair
    with pytest.raises(ValueError, match="same shape"):
        nrmse(y, p[:-1])
    with pytest.raises(ValueError, match="maae needs 2-D vectors"):
        maae(np.c_[y, y], np.c_[p, p])
    with pytest.raises(ValueError, match="NaN or infinite"):
        r2(y, np.full_like(y, np.nan))
