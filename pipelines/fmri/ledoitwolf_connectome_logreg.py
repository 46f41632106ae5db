"""Ledoit-Wolf shrunk correlations + L2 logistic regression.

The connectome baseline with nilearn's default covariance estimator (Ledoit-Wolf shrinkage
of the z-scored series) instead of the sample correlation: fewer time points per subject at
some sites (78 at OHSU, 116 at UCLA and MAX_MUN) make the sample estimate noisy. Fisher z,
19,900 pairs, standardised. Takes ``load_abide().X`` or the list of arrays.
"""

from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from neuropipe.features.graph import ConnectivityGraph, EdgeVector

PIPELINE = {
    "name": "ledoitwolf-connectome-logreg",
    "paradigms": ["fmri"],
    "slow": True,  # opt-in for `neuropipe benchmark` (--include-slow); bench_fmri.py runs it
    "pipeline": make_pipeline(
        ConnectivityGraph(
            kind="correlation",
            cov_estimator=None,  # nilearn's LedoitWolf
            density=None,
            absolute=False,
            binarize=False,
            fisher_z=True,
        ),
        EdgeVector(),
        StandardScaler(),
        LogisticRegression(C=0.01, max_iter=1000),
    ),
}
