"""Tangent connectome + L2 logistic regression whose C is chosen by nested CV in the fold.

``tangent-logreg`` fixes C = 0.01. Here C is chosen among 10^-4 ... 10^0 (9 values) by an
inner stratified 5-fold CV on the training fold only (``LogisticRegressionCV``, ROC AUC),
then the model is refitted on the whole training fold with that C; the test fold/site is
never seen. Declared in docs/fmri.md before it was scored.

Speed, without changing the model: after standardisation, ``KernelPCA(kernel='linear')``
rotates the 20,100 tangent values onto the (n_train - 1) principal axes of the training
fold. An L2-penalised linear model with an unpenalised intercept has its weights in the
span of the centred training rows (representer theorem), and the rotation is orthonormal,
so the penalty, the fit and the test predictions are those of the model on the 20,100
values (equal up to the solver's tolerance; tested), at the cost of one n_train x n_train
Gram matrix instead of nine 20,100-wide fits per inner fold. Takes ``load_abide().X`` or
the list of (n_timepoints, n_rois) arrays. Slow (opt-in for ``neuropipe benchmark``).
"""

from sklearn.decomposition import KernelPCA
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from neuropipe.features.connectome import TangentConnectome
from neuropipe.model_selection import logistic_regression_cv

PIPELINE = {
    "name": "tangent-logregcv",
    "paradigms": ["fmri"],
    "slow": True,  # opt-in for `neuropipe benchmark` (--include-slow); bench_fmri.py runs it
    "pipeline": make_pipeline(
        TangentConnectome(cov_estimator="ledoit-wolf", metric="logeuclid"),
        StandardScaler(),
        KernelPCA(kernel="linear"),
        logistic_regression_cv(),
    ),
}
