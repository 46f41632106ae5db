"""DKF-HGB: discriminative Kalman filter whose f is gradient boosting on spike history (slow).

f: 12 previous bins and the current one, standardised, 30 principal components, one
``HistGradientBoostingRegressor`` per state (its early stopping uses a share of the
training bins only). Q: residual covariance on the last 30 % of the training bins, scale
chosen on that block (``q_scale="auto"``).
"""

from sklearn.decomposition import PCA
from sklearn.ensemble import HistGradientBoostingRegressor
from sklearn.multioutput import MultiOutputRegressor
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from neuropipe.decoders import DiscriminativeKalmanFilter

PIPELINE = {
    "name": "DKF-HGB",
    "paradigms": ["decoding"],
    "slow": True,
    "pipeline": DiscriminativeKalmanFilter(
        make_pipeline(
            StandardScaler(),
            PCA(n_components=30, random_state=42),
            MultiOutputRegressor(HistGradientBoostingRegressor(max_iter=100, random_state=42)),
        ),
        bins_before=12,
        holdout_split="last",
        q_scale="auto",
        robust=True,
        random_state=42,
    ),
}
