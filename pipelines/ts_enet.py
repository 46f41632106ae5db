"""Tangent space + elastic-net logistic regression: MOABB's ``EN_grid.yml``.

Input: band-passed epochs ``(n_epochs, n_channels, n_times)``. OAS covariances are
projected to the tangent space at the Riemannian mean of the training covariances and
classified by an elastic-net logistic regression (SAGA solver, ``intercept_scaling=1000``
as MOABB; a float ``l1_ratio`` is the elastic-net penalty, which scikit-learn >= 1.8 spells
without ``penalty="elasticnet"``), whose L1 ratio (0.20, 0.30, 0.45, 0.65, 0.75) is chosen by a 3-fold stratified
inner search on the training trials only; the tangent space is refitted in every inner
split (Corsi et al. 2022, MOABB's nested evaluation of ``param_grid``).

Opt-in (``"slow": True``, ``--include-slow``): SAGA on 2080 unscaled tangent features
converges slowly, 4.0 CPU s per training fold (16 fits), and on the bundled subjects with
MOABB's default epochs it scores below TS+LR (mean ROC-AUC 0.692 vs 0.712 over S001-S006,
docs/eeg_accuracy.md), which costs 0.2 s.
"""

from pyriemann.estimation import Covariances
from pyriemann.tangentspace import TangentSpace
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GridSearchCV, StratifiedKFold
from sklearn.pipeline import make_pipeline

from neuropipe.preprocessing import EpochsToArray

PIPELINE = {
    "name": "TS+ElasticNet",
    "paradigms": ["LeftRightImagery", "MotorImagery"],
    "slow": True,
    "family": "baseline",
    "pipeline": make_pipeline(
        EpochsToArray(),
        Covariances(estimator="oas"),
        GridSearchCV(
            make_pipeline(
                TangentSpace(metric="riemann"),
                LogisticRegression(
                    l1_ratio=0.7,
                    intercept_scaling=1000.0,
                    solver="saga",
                    max_iter=1000,
                ),
            ),
            {"logisticregression__l1_ratio": [0.20, 0.30, 0.45, 0.65, 0.75]},
            cv=StratifiedKFold(3, shuffle=True, random_state=42),
            scoring="roc_auc",
        ),
    ),
}
