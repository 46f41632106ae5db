"""ComBat-harmonised tangent connectome + logistic regression with C chosen by nested CV.

``tangent-combat-logreg`` (site effects learnt by ComBat on the training fold, age, sex and
motion preserved, an unseen test site left as it is: strictly inductive) with the C of the
logistic regression chosen among 10^-4 ... 10^0 (9 values) by an inner stratified 5-fold CV
(ROC AUC) on the training fold, and the exact ``KernelPCA`` rotation of
``tangent-logregcv``. Declared in docs/fmri.md before it was scored. Takes
``load_abide().X`` (it reads ``SITE_ID`` and the covariates). Slow (opt-in).
"""

from sklearn.decomposition import KernelPCA
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from neuropipe.datasets.abide import COVARIATES, SITE_COLUMN
from neuropipe.features.connectome import TangentConnectome
from neuropipe.harmonization import ComBat
from neuropipe.model_selection import logistic_regression_cv

PIPELINE = {
    "name": "tangent-combat-logregcv",
    "paradigms": ["fmri"],
    "slow": True,  # opt-in for `neuropipe benchmark` (--include-slow); bench_fmri.py runs it
    "pipeline": make_pipeline(
        ComBat(
            TangentConnectome(cov_estimator="ledoit-wolf", metric="logeuclid"),
            site=SITE_COLUMN,
            covariates=list(COVARIATES),
            unseen_site="keep",
        ),
        StandardScaler(),
        KernelPCA(kernel="linear"),
        logistic_regression_cv(),
    ),
}
