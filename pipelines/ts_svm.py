"""Tangent space + SVM with MOABB's inner grid: MOABB's ``TSSVM_grid.yml``.

Input: band-passed epochs ``(n_epochs, n_channels, n_times)``. OAS covariances are
projected to the tangent space at the Riemannian mean of the training covariances and
classified by an SVC whose ``C`` (0.5, 1, 1.5) and kernel (RBF, linear) are chosen by a
3-fold stratified inner search on the training trials only (MOABB's ``param_grid``).
The tangent space is fitted once per outer training fold and shared by the inner splits
(its reference point uses no label), which keeps the search at the cost of six SVMs;
MOABB's nested evaluation refits it in every inner split instead. MOABB's published
within-session benchmark: 68.2% ROC-AUC on PhysionetMI (109 subjects).
"""

from pyriemann.estimation import Covariances
from pyriemann.tangentspace import TangentSpace
from sklearn.model_selection import GridSearchCV, StratifiedKFold
from sklearn.pipeline import make_pipeline
from sklearn.svm import SVC

from neuropipe.preprocessing import EpochsToArray

PIPELINE = {
    "name": "TS+SVM",
    "paradigms": ["LeftRightImagery", "MotorImagery"],
    "family": "baseline",
    "pipeline": make_pipeline(
        EpochsToArray(),
        Covariances(estimator="oas"),
        TangentSpace(metric="riemann"),
        GridSearchCV(
            SVC(kernel="linear"),
            {"C": [0.5, 1, 1.5], "kernel": ["rbf", "linear"]},
            cv=StratifiedKFold(3, shuffle=True, random_state=42),
            scoring="roc_auc",
        ),
    ),
}
