"""Tangent connectome and Pearson connectome side by side, one L2 logistic regression.

The 20,100 log-Euclidean tangent values of ``tangent-logreg`` and the 19,900 Fisher-z
Pearson correlations of ``connectome-logreg``, concatenated, standardised, into one strongly
regularised logistic regression (C = 0.005, half the single-block value for twice the
features). Added after the first 802-subject results of the two blocks (a post-hoc choice,
reported as such in docs/fmri.md). Takes ``load_abide().X`` or the list of arrays.
"""

from sklearn.covariance import EmpiricalCovariance
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline, make_union
from sklearn.preprocessing import StandardScaler

from neuropipe.features.connectome import TangentConnectome
from neuropipe.features.graph import ConnectivityGraph, EdgeVector

pearson = make_pipeline(
    ConnectivityGraph(
        cov_estimator=EmpiricalCovariance(store_precision=False),
        density=None,
        absolute=False,
        binarize=False,
        fisher_z=True,
    ),
    EdgeVector(),
)

PIPELINE = {
    "name": "tangent-connectome-logreg",
    "paradigms": ["fmri"],
    "slow": True,  # opt-in for `neuropipe benchmark` (--include-slow); bench_fmri.py runs it
    "pipeline": make_pipeline(
        make_union(TangentConnectome(metric="logeuclid"), pearson),
        StandardScaler(),
        LogisticRegression(C=0.005, max_iter=1000),
    ),
}
