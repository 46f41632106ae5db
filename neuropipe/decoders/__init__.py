"""Continuous neural decoders: Kalman filter, discriminative Kalman filter, kernel regression.

Estimators take ``X`` of shape ``(n_bins, n_features)`` and ``y`` of shape
``(n_bins, n_states)`` with rows in time order.
"""

from .dkf import DiscriminativeKalmanFilter, dkf_filter, dkf_measurement
from .history import SpikeHistory, lag_features
from .kalman import (
    KalmanFilterRegressor,
    derivative_states,
    fit_observation_model,
    fit_state_model,
    kalman_filter,
)
from .kernel import NadarayaWatsonRegressor, loo_bandwidth, nadaraya_watson
from .metrics import correlation, maae, nrmse, r2
from .plotting import plot_decoded
from .subsample import SubsampledRegressor

__all__ = [
    "KalmanFilterRegressor",
    "DiscriminativeKalmanFilter",
    "NadarayaWatsonRegressor",
    "SpikeHistory",
    "SubsampledRegressor",
    "derivative_states",
    "kalman_filter",
    "fit_state_model",
    "fit_observation_model",
    "dkf_filter",
    "dkf_measurement",
    "nadaraya_watson",
    "loo_bandwidth",
    "lag_features",
    "nrmse",
    "maae",
    "r2",
    "correlation",
    "plot_decoded",
]

# every estimator names this package as its module (in saved models, reprs and the API
# reference), the path users import it from, as neuropipe.model_selection does
for _name in __all__:
    if isinstance(globals()[_name], type):
        globals()[_name].__module__ = __name__
del _name
