"""Kalman filter on standardised features (Wu et al. 2003; the DKF paper's baseline)."""

from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from neuropipe.decoders import KalmanFilterRegressor

PIPELINE = {
    "name": "KF",
    "paradigms": ["decoding"],
    "pipeline": make_pipeline(StandardScaler(), KalmanFilterRegressor()),
}
