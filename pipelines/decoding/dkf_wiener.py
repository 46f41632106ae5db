"""DKF-Wiener: discriminative Kalman filter whose f is a Wiener filter (ridge on spike history).

Slow (three filters of two ridge fits on 13 x 171 features for the search), and no better
than the Wiener filter on the validation blocks, hence not a default file.

f: ridge regression on standardised spike counts of the current and previous bins (the
filter keeps the history itself, so its online ``step()`` is exact). Q: residual covariance
on the last 30 % of the training bins; its scale and the history length are chosen on
time-ordered validation blocks inside the training bins (``q_scale="auto"``, search).
"""

from sklearn.linear_model import Ridge
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from neuropipe.decoders import DiscriminativeKalmanFilter
from neuropipe.model_selection import time_ordered_search

PIPELINE = {
    "name": "DKF-Wiener",
    "paradigms": ["decoding"],
    "slow": True,
    "pipeline": time_ordered_search(
        DiscriminativeKalmanFilter(
            make_pipeline(StandardScaler(), Ridge(alpha=1.0)),
            bins_before=12,
            holdout_split="last",
            q_scale="auto",
            robust=True,
            random_state=42,
        ),
        {"bins_before": [4, 12]},
    ),
}
