"""Tangent space + SVM with MOABB's inner grid: MOABB's ``TSSVM_grid.yml``.

Input: band-passed epochs ``(n_epochs, n_channels, n_times)``. OAS covariances are
projected to the tangent space at the Riemannian mean of the training covariances and
classified by an SVC whose ``C`` (0.5, 1, 1.5) and kernel (RBF, linear) are chosen by a
3-fold stratified inner search on the training trials only (MOABB's nested evaluation runs
its ``param_grid`` the same way). The tangent space is refitted in every inner split, so no
inner test trial reaches the reference point. MOABB's published within-session benchmark:
68.2% ROC-AUC on PhysionetMI (109 subjects).
"""

from pyriemann.estimation import Covariances
from pyriemann.tangentspace import TangentSpace
from sklearn.model_selection import GridSearchCV, StratifiedKFold
from sklearn.pipeline import make_pipeline
from sklearn.svm import SVC

PIPELINE = {
    "name": "TS+SVM",
    "paradigms": ["LeftRightImagery", "MotorImagery"],
    "family": "baseline",
    "pipeline": make_pipeline(
        Covariances(estimator="oas"),
        GridSearchCV(
            make_pipeline(TangentSpace(metric="riemann"), SVC(kernel="linear")),
            {"svc__C": [0.5, 1, 1.5], "svc__kernel": ["rbf", "linear"]},
            cv=StratifiedKFold(3, shuffle=True, random_state=42),
            scoring="roc_auc",
        ),
    ),
}
