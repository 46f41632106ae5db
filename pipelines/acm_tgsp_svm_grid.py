"""ACM + tangent space + SVM with MOABB's exact 600-candidate grid (reference; slow).

MOABB's ``AUG_TANG_SVM_grid`` pipeline as MOABB's nested evaluation runs it (Carrara &
Papadopoulo 2023): ``AugmentedDataset`` -> ``Covariances("cov")`` -> ``TangentSpace`` at the
Riemannian mean -> ``SVC``, with order 1-10 x lag 1-10 x C in {0.5, 1, 1.5} x kernel
{rbf, linear} searched by a 3-fold stratified inner ``GridSearchCV`` (shuffled, seed 42,
ROC-AUC). It costs minutes to an hour per outer fold on 2 cores, so it is marked
``"slow"``: ``neuropipe benchmark`` runs it only with ``--include-slow``. Use
``acm_tgsp_svm_fast.py`` for the same model with a cached successive-halving search.
"""

from moabb.pipelines.features import AugmentedDataset
from pyriemann.estimation import Covariances
from pyriemann.tangentspace import TangentSpace
from sklearn.model_selection import GridSearchCV, StratifiedKFold
from sklearn.pipeline import make_pipeline
from sklearn.svm import SVC

from neuropipe.preprocessing import EpochsToArray

PARAM_GRID = {
    "augmenteddataset__order": list(range(1, 11)),
    "augmenteddataset__lag": list(range(1, 11)),
    "svc__C": [0.5, 1, 1.5],
    "svc__kernel": ["rbf", "linear"],
}

PIPELINE = {
    "name": "ACM+TS+SVM (grid)",
    "paradigms": ["LeftRightImagery"],
    "family": "ACM",
    "slow": True,
    "pipeline": make_pipeline(
        EpochsToArray(),
        GridSearchCV(
            make_pipeline(
                AugmentedDataset(),
                Covariances(estimator="cov"),
                TangentSpace(metric="riemann"),
                SVC(kernel="rbf"),
            ),
            PARAM_GRID,
            cv=StratifiedKFold(3, shuffle=True, random_state=42),
            scoring="roc_auc",
        )
    ),
}
