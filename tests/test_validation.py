"""The shared checks of neuropipe._validation: check_n_channels and check_spd."""

import numpy as np
import pytest

from neuropipe._validation import FITTED_COUNTS, SPD_RTOL, check_n_channels, check_spd


class _Fitted:
    n_channels_, n_rois_, n_freqs_, n_times_ = 4, 7, 3, 100


@pytest.mark.parametrize(
    ("unit", "axis", "shape", "fix"),
    [
        ("channels", 1, (2, 5, 100), "pick the same channels"),
        ("ROIs", 1, (2, 6, 6), "same atlas"),
        ("frequencies", 1, (2, 2, 4, 4), "same frequencies"),
        ("samples per epoch", -1, (2, 4, 99), "same epoch window"),
    ],
)
def test_check_n_channels_one_wording(unit, axis, shape, fix):
    attribute = FITTED_COUNTS[unit][0]
    expected = getattr(_Fitted, attribute)
    got = shape[axis]
    message = f"X has {got} {unit} but _Fitted was fitted on {expected}; "
    with pytest.raises(ValueError, match=f"^{message}.*{fix}"):
        check_n_channels(_Fitted(), np.zeros(shape), axis=axis, unit=unit)
    good = list(shape)
    good[axis] = expected
    X = np.zeros(good)
    assert check_n_channels(_Fitted(), X, axis=axis, unit=unit) is X


def test_check_spd_single_matrix_and_stack():
    eye = np.eye(3)
    np.testing.assert_array_equal(check_spd(eye), eye)
    assert check_spd(np.stack([eye, 2 * eye])).shape == (2, 3, 3)
    singular = np.diag([1.0, 1.0, 0.0])
    with pytest.raises(ValueError, match=r"^S is singular .*eigenvalues from 0 to 1\); fix it\.$"):
        check_spd(singular, name="S", fix="fix it.")
    with pytest.raises(ValueError, match=r"in 1 of its 3 matrices \(first: index 2, eigen"):
        check_spd(np.stack([eye, eye, singular]), name="C")
    with pytest.raises(ValueError, match="shrinkage estimator"):  # the default fix
        check_spd(singular)


def test_check_spd_relative_tolerance_and_reference():
    # the smallest eigenvalue is compared with SPD_RTOL times the largest one ...
    just_above = np.diag([1.0, 2 * SPD_RTOL])
    check_spd(just_above)
    with pytest.raises(ValueError, match="singular"):
        check_spd(np.diag([1.0, SPD_RTOL]))
    # ... or the largest eigenvalue of the data it belongs to: a 1 x 1 noise covariance
    # that vanishes next to the data is singular too
    check_spd([[1e-6]])
    with pytest.raises(ValueError, match="against a data variance of 1e\\+12"):
        check_spd([[1e-6]], reference=np.diag([1e12, 1.0]))


@pytest.mark.parametrize(
    ("C", "match"),
    [
        (np.array([[1.0, 0.5], [0.0, 1.0]]), "not symmetric"),
        (np.array([[1.0, np.nan], [np.nan, 1.0]]), "contains 2 NaN or infinite"),
        (np.ones((2, 3)), "square matrix"),
        (np.ones((1, 2, 2, 2)), "square matrix"),
        (np.zeros((0, 2, 2)), "empty"),
        (np.eye(2) * 1e200, "wrong units or corrupt data"),
    ],
)
def test_check_spd_malformed(C, match):
    with pytest.raises(ValueError, match=match):
        check_spd(C)
