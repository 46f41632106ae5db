"""Tangent connectome harmonised across sites with ComBat, + L2 logistic regression.

The tangent-logreg features, with additive and multiplicative site effects removed by
ComBat (Fortin et al. 2018) while the effects of age, sex and motion are preserved; all of
it (the tangent reference, the site and covariate effects, the median imputing a missing
motion value) is learnt on the training fold. A site absent from the training fold (the
held-out site of leave-one-site-out) has no learnt effect and is left as it is
(``unseen_site='keep'``, strictly inductive). Takes ``load_abide().X`` (it reads the
``SITE_ID`` and covariate columns).
"""

from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from neuropipe.datasets.abide import COVARIATES, SITE_COLUMN
from neuropipe.features.connectome import TangentConnectome
from neuropipe.harmonization import ComBat

PIPELINE = {
    "name": "tangent-combat-logreg",
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
        LogisticRegression(C=0.01, max_iter=1000),
    ),
}
