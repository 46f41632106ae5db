"""Tangent space + shrinkage LDA on OAS covariances.

Input: band-passed epochs ``(n_epochs, n_channels, n_times)``.

Not a pipeline file of MOABB, but listed with the baselines, not as a new pipeline: it is
FgMDM's discriminant without its minimum-distance step. FgMDM (Barachant et al. 2010)
projects OAS covariances to the tangent space at their Riemannian mean, fits a Ledoit-Wolf
regularised LDA there (geodesic filtering) and classifies the filtered matrices by distance
to the class means; here the shrinkage LDA classifies the tangent vectors directly, at the
cost of TS+LR (no Riemannian class means, no filtering back to the manifold). Ledoit-Wolf
shrinkage is the principled choice for 2080 tangent features from 36 training trials;
nothing is tuned.
"""

from pyriemann.estimation import Covariances
from pyriemann.tangentspace import TangentSpace
from sklearn.discriminant_analysis import LinearDiscriminantAnalysis
from sklearn.pipeline import make_pipeline

PIPELINE = {
    "name": "TS+sLDA",
    "paradigms": ["LeftRightImagery", "MotorImagery"],
    "family": "baseline",
    "pipeline": make_pipeline(
        Covariances(estimator="oas"),
        TangentSpace(metric="riemann"),
        LinearDiscriminantAnalysis(solver="lsqr", shrinkage="auto"),
    ),
}
