"""Tangent space + logistic regression on OAS-shrunk covariances (Barachant et al. 2012).

Input: band-passed epochs ``(n_epochs, n_channels, n_times)``. Each epoch's OAS
covariance is projected to the tangent space at the Riemannian mean of the training
covariances and classified by an L2 logistic regression.
"""

from pyriemann.estimation import Covariances
from pyriemann.tangentspace import TangentSpace
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline

from neuropipe.preprocessing import EpochsToArray

PIPELINE = {
    "name": "TS+LR",
    "paradigms": ["LeftRightImagery", "MotorImagery"],
    "family": "baseline",
    "pipeline": make_pipeline(
        EpochsToArray(),
        Covariances(estimator="oas"),
        TangentSpace(metric="riemann"),
        LogisticRegression(C=1.0, max_iter=1000),
    ),
}
