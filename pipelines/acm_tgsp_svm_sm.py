"""ACM + tangent space + SVM on the 21 sensorimotor channels, OAS-shrunk, order/lag by CV.

Input: epochs ``(n_epochs, n_channels, n_times)`` of any montage whose channels have
10-20 names (at least C3, Cz and C4 of the sensorimotor ones), at any rate,
band-passed 8-32 Hz (MOABB's default ``LeftRightImagery`` epochs, 0-3 s).

Augmented covariances (Carrara & Papadopoulo 2023) that hold up on a 64-channel montage:
the cost and the estimation error of an augmented covariance grow with its size
``C * order``. On all 64 channels even order 2 means 128 x 128 matrices from 481 samples,
so the search would be capped at order 1 (plain covariances, see ``acm_tgsp_svm_fast.py``).
Here the 21 channels over the motor strip (FC5-FC6, C5-C6, CP5-CP6, where left/right hand
imagery desynchronises the mu and beta rhythms) are kept first, orders 1-4 (up to 84 x 84)
and lags 1-10 samples are searched by :class:`~neuropipe.model_selection.EmbeddingSearchCV`
on the training trials (3 inner splits, successive halving, ROC-AUC) together with the SVC's
C (0.5, 1, 1.5) and kernel (RBF, linear), and every augmented covariance is OAS-shrunk
(``estimator="oas"``), which keeps the large ones well conditioned. The tangent space is
taken at the log-Euclidean mean of the training matrices.
"""

from pyriemann.tangentspace import TangentSpace
from sklearn.pipeline import make_pipeline
from sklearn.svm import SVC

from neuropipe.model_selection import EmbeddingSearchCV
from neuropipe.preprocessing import SENSORIMOTOR, EpochsToArray, PickChannels

PIPELINE = {
    "name": "ACM+TS+SVM (sensorimotor, OAS)",
    "paradigms": ["LeftRightImagery"],
    "family": "ACM",
    "pipeline": make_pipeline(
        EpochsToArray(),
        PickChannels(picks=SENSORIMOTOR, min_channels=3),
        EmbeddingSearchCV(
            make_pipeline(
                TangentSpace(metric={"mean": "logeuclid", "map": "riemann"}), SVC(kernel="rbf")
            ),
            param_grid={"svc__C": [0.5, 1, 1.5], "svc__kernel": ["rbf", "linear"]},
            orders=(1, 2, 3, 4),
            lags=tuple(range(1, 11)),
            estimator="oas",
            cv=3,
            factor=3,
            random_state=42,
        ),
    ),
}
