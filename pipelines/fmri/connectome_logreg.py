"""Connectome baseline: Fisher-z Pearson correlations of all ROI pairs + L2 logistic regression.

What a nilearn user would write first (as in Dadi et al. 2019): the 19,900 upper-triangle
edges of each subject's correlation matrix, standardised, into a strongly regularised
logistic regression. Takes the list of (n_timepoints, n_rois) arrays or
``load_abide().X``.
"""

from sklearn.covariance import EmpiricalCovariance
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from neuropipe.features.graph import ConnectivityGraph, EdgeVector

PIPELINE = {
    "name": "connectome-logreg",
    "paradigms": ["fmri"],
    "pipeline": make_pipeline(
        ConnectivityGraph(
            kind="correlation",
            cov_estimator=EmpiricalCovariance(store_precision=False),
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
