"""Tangent connectome exactly as nilearn's ``ConnectivityMeasure(kind='tangent')`` + L2 LR.

The tangent space of Varoquaux et al. (2010) as used across ABIDE sites by Abraham et al.
(2017): each subject's Ledoit-Wolf covariance of the z-scored series (nilearn's default
``standardize=True``), whitened by the geometric (Riemannian) mean of the training fold,
``logm(M^(-1/2) C M^(-1/2))`` (``TangentConnectome(metric='riemann',
reference='geometric')``, tested equal to nilearn). ``tangent-logreg`` uses the
log-Euclidean tangent space instead (``logm(C) - mean(logm(C_train))``), far cheaper: here
the reference costs about 30 gradient-descent iterations of one eigendecomposition per
training subject in every fold. All-zero ROIs keep the identity rows of
:func:`~neuropipe.features.connectome.subject_covariances`. Model as ``tangent-logreg``
(``StandardScaler``, C = 0.01). Declared in docs/fmri.md before it was scored. Takes
``load_abide().X`` or the list of arrays. Slow (opt-in).
"""

from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from neuropipe.features.connectome import TangentConnectome

PIPELINE = {
    "name": "tangent-geometric-logreg",
    "paradigms": ["fmri"],
    "slow": True,  # opt-in for `neuropipe benchmark` (--include-slow); bench_fmri.py runs it
    "pipeline": make_pipeline(
        TangentConnectome(cov_estimator="ledoit-wolf", metric="riemann", reference="geometric"),
        StandardScaler(),
        LogisticRegression(C=0.01, max_iter=1000),
    ),
}
