"""scikit-learn's estimator checks on every decoding estimator.

Skipped checks, with their reasons:

- check_methods_subset_invariance, check_methods_sample_order_invariance (filters and
  SpikeHistory): rows are time bins; a filter carries its state from one row to the
  next and a history row holds its neighbours, so outputs depend on row order and on
  which rows are passed together, by design.
- check_regressor_multioutput (KalmanFilterRegressor): 11 bins of 10 features and 5
  states leave 11 residuals for a 10 x 10 observation covariance, which is singular.
- check_regressors_no_decision_function (KalmanFilterRegressor): the check uses
  y = X[:, 0], so feature 0 has zero observation noise and Lambda is singular.
- check_regressor_multioutput (DiscriminativeKalmanFilter): 30 % of 11 bins gives 3
  held-out residuals, too few for a 5 x 5 Q.

DiscriminativeKalmanFilter(q_estimator="kernel") is left out: on the checks' tiny
integer-valued targets many held-out residuals are exactly zero, so Q(x) is singular,
which raises a clear error by design (tested in test_dkf.py).
"""

from sklearn.linear_model import Ridge
from sklearn.utils.estimator_checks import parametrize_with_checks

from neuropipe.decoders import (
    DiscriminativeKalmanFilter,
    KalmanFilterRegressor,
    NadarayaWatsonRegressor,
    SpikeHistory,
)

ORDER = {
    "check_methods_subset_invariance": "outputs depend on neighbouring time bins",
    "check_methods_sample_order_invariance": "outputs depend on the order of time bins",
}
EXPECTED = {
    KalmanFilterRegressor: {
        **ORDER,
        "check_regressor_multioutput": "11 bins cannot estimate a 10 x 10 Lambda",
        "check_regressors_no_decision_function": "y = X[:, 0] makes Lambda singular",
    },
    DiscriminativeKalmanFilter: {
        **ORDER,
        "check_regressor_multioutput": "3 held-out bins cannot estimate a 5 x 5 Q",
    },
    SpikeHistory: ORDER,
    NadarayaWatsonRegressor: {},
}


def expected_failed_checks(estimator):
    return EXPECTED[type(estimator)]


@parametrize_with_checks(
    [
        KalmanFilterRegressor(),
        DiscriminativeKalmanFilter(random_state=0),
        DiscriminativeKalmanFilter(regressor=Ridge(), robust=True, random_state=0),
        NadarayaWatsonRegressor(random_state=0),
        SpikeHistory(bins_before=2),
    ],
    expected_failed_checks=expected_failed_checks,
)
def test_sklearn_compatible(estimator, check):
    check(estimator)
