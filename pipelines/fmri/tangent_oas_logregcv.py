"""Tangent connectome on OAS-shrunk covariances + logistic regression with C chosen by nested CV.

``tangent-logregcv`` with the Oracle Approximating Shrinkage estimator (Chen et al. 2010)
instead of Ledoit-Wolf for each subject's covariance of its z-scored ROI series (OAS
shrinks more when time points are few, as at the short-scan ABIDE sites). Everything else,
the inner-CV choice of C and the exact ``KernelPCA`` rotation included, is that of
``tangent-logregcv``. Declared in docs/fmri.md before it was scored. Takes
``load_abide().X`` or the list of arrays. Slow (opt-in for ``neuropipe benchmark``).
"""

from sklearn.decomposition import KernelPCA
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from neuropipe.features.connectome import TangentConnectome
from neuropipe.model_selection import logistic_regression_cv

PIPELINE = {
    "name": "tangent-oas-logregcv",
    "paradigms": ["fmri"],
    "slow": True,  # opt-in for `neuropipe benchmark` (--include-slow); bench_fmri.py runs it
    "pipeline": make_pipeline(
        TangentConnectome(cov_estimator="oas", metric="logeuclid"),
        StandardScaler(),
        KernelPCA(kernel="linear"),
        logistic_regression_cv(),
    ),
}
