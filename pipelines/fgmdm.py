"""FgMDM on OAS covariances: MOABB's ``FgMDM.yml`` (Barachant et al. 2010), as a pipeline.

Input: band-passed epochs ``(n_epochs, n_channels, n_times)``. Each epoch's OAS covariance
is filtered by a geodesic filter (an LDA in the tangent space at the Riemannian mean of the
training covariances) and classified by minimum Riemannian distance to the class means.
MOABB's published within-session benchmark ranks it first on PhysionetMI (68.5% ROC-AUC
over 109 subjects).

pyRiemann's ``FgMDM(metric="riemann")`` written out as its steps: the tangent space is a
step of its own, shared with TS+LR and TS+SVM (same covariances, same reference point) when
``neuropipe benchmark`` caches transformer fits, and
:class:`~neuropipe.features.geodesic.FisherGeodesicFilter` fits the same shrinkage LDA as
pyRiemann's ``FGDA`` with a Woodbury solve instead of a dense 2080 x 2080 least-squares
(about 10x less time for the whole pipeline on 64 channels). Same ROC-AUC as pyRiemann's
``FgMDM`` on EEGMMIDB S001-S006, probabilities equal to 1e-13
(``tests/features/test_geodesic.py``).
"""

from pyriemann.classification import MDM
from pyriemann.estimation import Covariances
from pyriemann.tangentspace import TangentSpace
from sklearn.pipeline import make_pipeline

from neuropipe.features.geodesic import FisherGeodesicFilter
from neuropipe.preprocessing import EpochsToArray

PIPELINE = {
    "name": "FgMDM",
    "paradigms": ["LeftRightImagery", "MotorImagery"],
    "family": "baseline",
    "pipeline": make_pipeline(
        EpochsToArray(),
        Covariances(estimator="oas"),
        TangentSpace(metric="riemann"),
        FisherGeodesicFilter(),
        MDM(metric="riemann"),
    ),
}
