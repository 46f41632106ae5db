"""ACM + tangent space + SVM with a cached successive-halving order/lag search.

The model of ``acm_tgsp_svm_grid.py`` (augmented covariances, tangent space, SVC) searched
over the same order 1-10 x lag 1-10 x C {0.5, 1, 1.5} x kernel {rbf, linear} grid by
:class:`neuropipe.model_selection.EmbeddingSearchCV`: every (order, lag) covariance stack
is computed once per outer fold, the tangent space is fitted once per split and shared by
the six SVM settings, and successive halving (factor 3) scores all (order, lag) pairs on one
inner split and only the best third on all three. The tangent space is taken at the
log-Euclidean mean of the training matrices (closed form) instead of the iterative Riemannian
mean. Inner score: ROC-AUC for two classes, accuracy otherwise (MOABB's paradigm scores).

``max_dim=96`` caps ``n_channels * order`` (the cost grows as its cube): on 8-9 channels
the whole grid is searched (seconds per outer fold); on 64 channels only order 1 fits, i.e.
plain TS+SVM on the ``cov`` covariance. Pick a sensorimotor subset of channels to use ACM on
large montages. The search also runs on SSVEP epochs (see ``docs/acm.md``), but is listed for
left/right imagery only: on the 14 SSVEP sessions it would add minutes to the default
benchmark (about 2.5 s per outer fold, 70 folds).

Opt-in (``"slow": True``, ``--include-slow``): on a 64-channel montage ``max_dim`` leaves it
order 1, i.e. the TS+SVM default with an order/lag search that cannot use what it finds; it
scores below TS+SVM on the mean (0.693 vs 0.732) and below chance on S005 (0.39).
``acm_tgsp_svm_sm.py`` is the default ACM pipeline (sensorimotor channels first, never below
chance on the six bundled subjects).
"""

from pyriemann.tangentspace import TangentSpace
from sklearn.pipeline import make_pipeline
from sklearn.svm import SVC

from neuropipe.model_selection import EmbeddingSearchCV
from neuropipe.preprocessing import EpochsToArray

PIPELINE = {
    "name": "ACM+TS+SVM (fast)",
    "paradigms": ["LeftRightImagery"],
    "family": "ACM",
    "slow": True,
    "pipeline": make_pipeline(
        EpochsToArray(),
        EmbeddingSearchCV(
            make_pipeline(
                TangentSpace(metric={"mean": "logeuclid", "map": "riemann"}), SVC(kernel="rbf")
            ),
            param_grid={"svc__C": [0.5, 1, 1.5], "svc__kernel": ["rbf", "linear"]},
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
