"""DKF-MLP: discriminative Kalman filter whose f is a neural network on spike history.

f: 12 previous bins and the current one, standardised, reduced to 50 principal components,
then a one-hidden-layer MLP (64 units, L-BFGS, L2 penalty 10). Q: residual covariance on the last 30 % of the
training bins, scaled by the factor that filters that block best (``q_scale="auto"``).
The settings are the best of a scratch comparison on the time-ordered validation split
of stevenson2011's training bins (L-BFGS with penalty 10 against 1, and against Adam);
``dkf_mlp_search.py`` searches history, penalty and size per session (see
docs/decoding.md). Nothing here was chosen on the test bins.
"""

from sklearn.decomposition import PCA
from sklearn.neural_network import MLPRegressor
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from neuropipe.decoders import DiscriminativeKalmanFilter

PIPELINE = {
    "name": "DKF-MLP",
    "paradigms": ["decoding"],
    "pipeline": DiscriminativeKalmanFilter(
        make_pipeline(
            StandardScaler(),
            PCA(n_components=50, random_state=42),
            MLPRegressor(
                hidden_layer_sizes=(64,),
                solver="lbfgs",
                alpha=10.0,
                max_iter=200,
                random_state=42,
            ),
        ),
        bins_before=12,
        holdout_split="last",
        q_scale="auto",
        robust=True,
        random_state=42,
    ),
}
