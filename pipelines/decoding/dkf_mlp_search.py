"""DKF-MLP with its settings searched on the training bins (slow: 4 candidates).

History length and hidden units are chosen on the last
20 % of the training bins by models fitted on the 80 % before them (time order kept);
the winner is refitted on the whole training segment. ``dkf_mlp.py`` ships the setting
this search chooses on both bundled sessions.
"""

from sklearn.decomposition import PCA
from sklearn.neural_network import MLPRegressor
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from neuropipe.decoders import DiscriminativeKalmanFilter
from neuropipe.model_selection import time_ordered_search

PIPELINE = {
    "name": "DKF-MLP (searched)",
    "paradigms": ["decoding"],
    "slow": True,
    "pipeline": time_ordered_search(
        DiscriminativeKalmanFilter(
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
        {
            "bins_before": [5, 12],
            "regressor__mlpregressor__hidden_layer_sizes": [(32,), (64,)],
        },
    ),
}
