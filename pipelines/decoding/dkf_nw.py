"""Discriminative Kalman filter with a Nadaraya-Watson f (DKF-NW, Burkhart et al. 2020).

f sees the current bin and 4 previous bins (the filter keeps this history itself, so its
online ``step()`` is exact), standardised and reduced to 10 principal components (the
kernel regression needs a low-dimensional input); Q is the held-out residual covariance
(random 30 % of the training bins, as in the paper).
"""

from sklearn.decomposition import PCA
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from neuropipe.decoders import DiscriminativeKalmanFilter, NadarayaWatsonRegressor

PIPELINE = {
    "name": "DKF-NW",
    "paradigms": ["decoding"],
    "pipeline": DiscriminativeKalmanFilter(
        make_pipeline(
            StandardScaler(),
            PCA(n_components=10, random_state=42),
            NadarayaWatsonRegressor(random_state=42),
        ),
        bins_before=4,
        random_state=42,
    ),
}
