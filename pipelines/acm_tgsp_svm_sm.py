"""ACM + tangent space + SVM on the 21 sensorimotor channels, OAS-shrunk, order/lag by CV.

Input: epochs ``(n_epochs, 64, n_times)`` at 160 Hz with EEGMMIDB's channel names,
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
from neuropipe.preprocessing import EpochsToArray, PickChannels

EEGMMIDB_CHANNELS = (
    "FC5 FC3 FC1 FCz FC2 FC4 FC6 C5 C3 C1 Cz C2 C4 C6 CP5 CP3 CP1 CPz CP2 CP4 CP6 "
    "Fp1 Fpz Fp2 AF7 AF3 AFz AF4 AF8 F7 F5 F3 F1 Fz F2 F4 F6 F8 FT7 FT8 T7 T8 T9 T10 "
    "TP7 TP8 P7 P5 P3 P1 Pz P2 P4 P6 P8 PO7 PO3 POz PO4 PO8 O1 Oz O2 Iz"
).split()
SENSORIMOTOR = EEGMMIDB_CHANNELS[:21]

PIPELINE = {
    "name": "ACM+TS+SVM (sensorimotor, OAS)",
    "paradigms": ["LeftRightImagery"],
    "family": "ACM",
    "pipeline": make_pipeline(
        EpochsToArray(),
        PickChannels(EEGMMIDB_CHANNELS, SENSORIMOTOR),
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
