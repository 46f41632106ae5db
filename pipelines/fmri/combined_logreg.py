"""Combination: connectome edges + Dey motif features + age, sex and motion, one L2 model.

Every block is computed from the same ``X`` (``load_abide().X``: a DataFrame with a
``'timeseries'`` column and the covariates): Fisher-z Pearson edges (19,900), degree and
3-cycle counts on the 10%-density |r| graph (400) and the three covariates, standardised
together into the connectome baseline's logistic regression. It asks whether motifs and
demographics add anything to the connectome. A missing covariate (``func_mean_fd`` of one
YALE subject in the 802) is replaced by the training-fold median.
"""

from sklearn.compose import ColumnTransformer
from sklearn.covariance import EmpiricalCovariance
from sklearn.impute import SimpleImputer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from neuropipe.datasets.abide import COVARIATES
from neuropipe.features.graph import ConnectivityGraph, EdgeVector, GraphMetrics

connectome = make_pipeline(
    ConnectivityGraph(
        cov_estimator=EmpiricalCovariance(store_precision=False),
        density=None,
        absolute=False,
        binarize=False,
        fisher_z=True,
    ),
    EdgeVector(),
)
motifs = make_pipeline(
    ConnectivityGraph(density=0.1, absolute=True, binarize=True),
    GraphMetrics(metrics=["degree", "triangles"]),
)

PIPELINE = {
    "name": "combined-logreg",
    "paradigms": ["fmri"],
    "pipeline": make_pipeline(
        ColumnTransformer(
            [
                ("connectome", connectome, "timeseries"),
                ("motifs", motifs, "timeseries"),
                ("covariates", SimpleImputer(strategy="median"), list(COVARIATES)),
            ]
        ),
        StandardScaler(),
        LogisticRegression(C=0.01, max_iter=1000),
    ),
}
