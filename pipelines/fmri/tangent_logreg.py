"""Tangent-space connectome + L2 logistic regression (Varoquaux et al. 2010; Dadi et al. 2019).

Each subject's Ledoit-Wolf shrunk correlation matrix (z-scored series, so scanner signal
scales drop out) is mapped to the log-Euclidean tangent space at the group reference learnt
on the training fold: ``logm(C) - mean(logm(C_train))`` (Arsigny et al. 2007). The matrix
logarithms are computed once per subject and cached, so a fold costs one logistic
regression; nilearn's whitening by the geometric mean (``TangentConnectome(
metric='riemann', reference='geometric')``, tested equal to ``ConnectivityMeasure(
kind='tangent')``) costs an eigendecomposition per subject and fold (docs/fmri.md compares
them). The 20,100 lower-triangle values are standardised into a strongly regularised
logistic regression, the connectome that generalised best across ABIDE sites in Abraham et
al. (2017). Takes ``load_abide().X`` or the list of (n_timepoints, n_rois) arrays.
"""

from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from neuropipe.features.connectome import TangentConnectome

PIPELINE = {
    "name": "tangent-logreg",
    "paradigms": ["fmri"],
    "pipeline": make_pipeline(
        TangentConnectome(cov_estimator="ledoit-wolf", metric="logeuclid"),
        StandardScaler(),
        LogisticRegression(C=0.01, max_iter=1000),
    ),
}
