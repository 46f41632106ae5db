"""Three L2 linear models on the tangent connectome, each tuned by nested CV, majority vote.

Abraham et al. (2017) found L2 logistic regression and ridge the best classifiers on
tangent-space connectomes across ABIDE sites; a linear SVM is the third usual choice. Each
model's regularisation is chosen by an inner stratified 5-fold CV (ROC AUC) on the training
fold only: logistic regression C in 10^-4 ... 10^0 (9 values), ridge alpha in 10^0 ... 10^6
(13 values), linear SVM C in 10^-6 ... 10^0 (7 values); the three refitted models vote
(majority of three). Grids and vote fixed before scoring (declared in docs/fmri.md).

The tangent values (``TangentConnectome``, Ledoit-Wolf, log-Euclidean) are standardised and
rotated onto the training fold's principal axes by ``KernelPCA(kernel='linear')``, exact for
L2-penalised linear models (see ``tangent-logregcv``). Takes ``load_abide().X`` or the list
of arrays. Slow (opt-in for ``neuropipe benchmark``).
"""

import numpy as np
from sklearn.decomposition import KernelPCA
from sklearn.ensemble import VotingClassifier
from sklearn.linear_model import RidgeClassifierCV
from sklearn.model_selection import GridSearchCV, StratifiedKFold
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.svm import LinearSVC

from neuropipe.features.connectome import TangentConnectome
from neuropipe.model_selection import logistic_regression_cv

inner = StratifiedKFold(5, shuffle=True, random_state=0)

PIPELINE = {
    "name": "tangent-linear-vote",
    "paradigms": ["fmri"],
    "slow": True,  # opt-in for `neuropipe benchmark` (--include-slow); bench_fmri.py runs it
    "pipeline": make_pipeline(
        TangentConnectome(cov_estimator="ledoit-wolf", metric="logeuclid"),
        StandardScaler(),
        KernelPCA(kernel="linear"),
        VotingClassifier(
            [
                (
                    "logreg",
                    logistic_regression_cv(inner),
                ),
                ("ridge", RidgeClassifierCV(np.logspace(0, 6, 13), cv=inner, scoring="roc_auc")),
                (
                    "svm",
                    GridSearchCV(
                        LinearSVC(max_iter=10000),
                        {"C": np.logspace(-6, 0, 7)},
                        cv=inner,
                        scoring="roc_auc",
                    ),
                ),
            ],
            voting="hard",
        ),
    ),
}
