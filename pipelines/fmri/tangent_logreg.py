"""Tangent-space connectome + L2 logistic regression (Varoquaux et al. 2010; Dadi et al. 2019).

Each subject's Ledoit-Wolf shrunk correlation matrix (z-scored series, so scanner signal
scales drop out) is whitened by the group reference learnt on the training fold (the
log-Euclidean mean) and mapped to the tangent space with a matrix logarithm; the 20,100
lower-triangle values are standardised into a strongly regularised logistic regression.
The connectome that generalised best across ABIDE sites in Abraham et al. (2017).
Takes ``load_abide().X`` or the list of (n_timepoints, n_rois) arrays.
"""

from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from neuropipe.features.connectome import TangentConnectome

PIPELINE = {
    "name": "tangent-logreg",
    "paradigms": ["fmri"],
    "pipeline": make_pipeline(
        TangentConnectome(cov_estimator="ledoit-wolf", reference="logeuclid"),
        StandardScaler(),
        LogisticRegression(C=0.01, max_iter=1000),
    ),
}
