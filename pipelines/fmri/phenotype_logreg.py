"""Phenotype-only baseline: age, sex and head motion (mean framewise displacement).

Demographics alone were the strongest entry of the ADHD-200 competition (Brown et al.
2012), so any imaging pipeline must beat this. Needs ``X`` as a DataFrame with the
covariate columns, such as ``load_abide().X``; the time series column is ignored. A missing
``func_mean_fd`` (one YALE subject in the 802) is replaced by the training-fold median.

Opt-in reference (``"slow": True``, run with ``--include-slow``): a pipeline at chance does
not ship as a default. On the bundled 249 subjects it is at chance in stratified 5-fold
(0.570, chance 0.570) and below it across the three sites (0.429, chance 0.564), because the
link of age and motion to the label flips between sites; across the 17 sites of the
802-subject benchmark it scores 0.570 pooled (chance 0.530), which every imaging pipeline
of the default job beats (docs/fmri.md).
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
    "slow": True,  # at chance on the bundled sites: opt-in (--include-slow); bench_fmri.py runs it
    "pipeline": make_pipeline(
        ColumnTransformer([("covariates", SimpleImputer(strategy="median"), list(COVARIATES))]),
        StandardScaler(),
        LogisticRegression(C=1.0),
    ),
}
