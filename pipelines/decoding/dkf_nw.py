"""Discriminative Kalman filter with a Nadaraya-Watson f (DKF-NW, Burkhart et al. 2020).

f sees the current bin and 4 previous bins, reduced to 10 principal components (the
kernel regression needs a low-dimensional input); Q is the held-out residual covariance.
"""

from sklearn.decomposition import PCA
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from neuropipe.decoders import DiscriminativeKalmanFilter, SpikeHistory

PIPELINE = {
    "name": "DKF-NW",
    "paradigms": ["decoding"],
    "pipeline": make_pipeline(
        SpikeHistory(bins_before=4),
        StandardScaler(),
        PCA(n_components=10, random_state=42),
        DiscriminativeKalmanFilter(random_state=42),
    ),
}
