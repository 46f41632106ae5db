"""Partial-correlation connectome (Ledoit-Wolf precision) + L2 logistic regression.

Partial correlations keep the direct couplings between two regions given all others
(Smith et al. 2011); with 200 ROIs and 78-296 time points the covariance must be shrunk, so
the precision comes from nilearn's Ledoit-Wolf estimate. Fisher-z values of the 19,900
pairs, standardised, into the connectome baseline's logistic regression. Takes
``load_abide().X`` or the list of (n_timepoints, n_rois) arrays.
"""

from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from neuropipe.features.graph import ConnectivityGraph, EdgeVector

PIPELINE = {
    "name": "partial-correlation-logreg",
    "paradigms": ["fmri"],
    "slow": True,  # opt-in for `neuropipe benchmark` (--include-slow); bench_fmri.py runs it
    "pipeline": make_pipeline(
        ConnectivityGraph(
            kind="partial correlation",
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
