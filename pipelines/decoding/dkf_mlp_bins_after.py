"""DKF-MLP seeing 2 future bins as well (NOT causal: offline comparison row only).

Same as ``dkf_mlp.py`` with ``bins_after=2``: f sees 12 past bins, the current one and the
next 2, so each decoded bin waits for 2 more bins. ``step()`` refuses this filter.
"""

from sklearn.decomposition import PCA
from sklearn.neural_network import MLPRegressor
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from neuropipe.decoders import DiscriminativeKalmanFilter

PIPELINE = {
    "name": "DKF-MLP (bins_after=2, non-causal)",
    "paradigms": ["decoding"],
    "slow": True,
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
        bins_after=2,
        holdout_split="last",
        q_scale="auto",
        robust=True,
        random_state=42,
    ),
}
