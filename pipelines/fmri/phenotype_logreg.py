"""Phenotype-only baseline: age, sex and head motion (mean framewise displacement).

Demographics alone were the strongest entry of the ADHD-200 competition (Brown et al.
2012), so any imaging pipeline must beat this. Needs ``X`` as a DataFrame with the
covariate columns, such as ``load_abide().X``; the time series column is ignored. A missing
``func_mean_fd`` (one YALE subject in the 802) is replaced by the training-fold median.
"""

from sklearn.compose import ColumnTransformer
from sklearn.impute import SimpleImputer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from neuropipe.datasets.abide import COVARIATES

PIPELINE = {
    "name": "phenotype-logreg",
    "paradigms": ["fmri"],
    "pipeline": make_pipeline(
        ColumnTransformer([("covariates", SimpleImputer(strategy="median"), list(COVARIATES))]),
        StandardScaler(),
        LogisticRegression(C=1.0),
    ),
}
