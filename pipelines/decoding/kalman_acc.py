"""Kalman filter with spike history and an acceleration state (a stronger KF baseline).

The state is velocity plus its time derivative (acceleration, central differences of the
training velocities); the observations are principal components of the current and
previous bins of spike counts; steady-state gain. The history length is chosen on the last
20 % of the training bins (time-ordered validation split), never on the test bins.
"""

from sklearn.decomposition import PCA
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from neuropipe.decoders import KalmanFilterRegressor, SpikeHistory
from neuropipe.model_selection import time_ordered_search

PIPELINE = {
    "name": "KF-acc",
    "paradigms": ["decoding"],
    "pipeline": time_ordered_search(
        make_pipeline(
            SpikeHistory(bins_before=2),
            StandardScaler(),
            PCA(n_components=30, random_state=42),
            KalmanFilterRegressor(n_derivatives=1, steady_state=True),
        ),
        {"spikehistory__bins_before": [2, 5]},
    ),
}
