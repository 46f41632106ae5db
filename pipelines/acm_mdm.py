"""ACM + minimum distance to mean, with the cached successive-halving order/lag search.

Augmented covariances (Carrara & Papadopoulo 2023) classified by MDM, order 1-10 x lag 1-10
searched by :class:`neuropipe.model_selection.EmbeddingSearchCV` (3 inner splits,
successive halving with factor 3; ROC-AUC for two classes, accuracy otherwise). Class means
are log-Euclidean (closed form) and distances affine-invariant Riemannian. ``max_dim=96``
caps ``n_channels * order``: on 64 channels this is MDM on the ``cov`` covariance. Listed
for left/right imagery only, as ``acm_tgsp_svm_fast.py``.

Opt-in (``"slow": True``, ``--include-slow``): its per-subject ROC-AUC straddles chance
(0.48, 0.38 and 0.48 on S003, S005 and S006 of the bundled EEGMMIDB subjects, mean 0.573,
the lowest of the former defaults), and the default EEG set keeps pipelines that score at or
below chance (ROC-AUC 0.5) on at most one of the six bundled subjects (docs/eeg_accuracy.md,
"Which pipeline to use").
"""

from pyriemann.classification import MDM
from sklearn.pipeline import make_pipeline

from neuropipe.model_selection import EmbeddingSearchCV
from neuropipe.preprocessing import EpochsToArray

PIPELINE = {
    "name": "ACM+MDM (fast)",
    "paradigms": ["LeftRightImagery"],
    "family": "ACM",
    "slow": True,
    "pipeline": make_pipeline(
        EpochsToArray(),
        EmbeddingSearchCV(
            MDM(metric={"mean": "logeuclid", "distance": "riemann"}),
            orders=tuple(range(1, 11)),
            lags=tuple(range(1, 11)),
            estimator="cov",
            cv=3,
            factor=3,
            max_dim=96,
            random_state=42,
        )
    ),
}
