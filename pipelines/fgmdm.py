"""FgMDM on OAS covariances: MOABB's ``FgMDM.yml`` (Barachant et al. 2010).

Input: band-passed epochs ``(n_epochs, n_channels, n_times)``. Each epoch's OAS covariance
is filtered by a geodesic filter (an LDA in the tangent space at the Riemannian mean of the
training covariances) and classified by minimum Riemannian distance to the class means.
MOABB's published within-session benchmark ranks it first on PhysionetMI (68.5% ROC-AUC
over 109 subjects).
"""

from pyriemann.classification import FgMDM
from pyriemann.estimation import Covariances
from sklearn.pipeline import make_pipeline

from neuropipe.preprocessing import EpochsToArray

PIPELINE = {
    "name": "FgMDM",
    "paradigms": ["LeftRightImagery", "MotorImagery"],
    "family": "baseline",
    "pipeline": make_pipeline(EpochsToArray(), Covariances(estimator="oas"), FgMDM(metric="riemann")),
}
