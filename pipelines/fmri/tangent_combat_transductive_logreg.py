"""Tangent connectome + ComBat that also harmonises the unseen test site (transductive).

``tangent-combat-logreg`` with ``unseen_site='estimate'``: a site absent from the training
fold (the held-out site of leave-one-site-out) gets its additive and multiplicative effects
estimated from its own subjects at ``transform`` (their features only, never their labels,
with the same empirical Bayes shrinkage; nothing is stored in the fitted model). This is
how ComBat is usually applied to a new scanner, but it needs the new site's subjects as a
batch, so it answers a different question than the strictly inductive pipelines. Added
after the first 802-subject results (post hoc; docs/fmri.md). Takes ``load_abide().X``.
"""

from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from neuropipe.datasets.abide import COVARIATES, SITE_COLUMN
from neuropipe.features.connectome import TangentConnectome
from neuropipe.harmonization import ComBat

PIPELINE = {
    "name": "tangent-combat-transductive-logreg",
    "paradigms": ["fmri"],
    "slow": True,  # opt-in for `neuropipe benchmark` (--include-slow); bench_fmri.py runs it
    "pipeline": make_pipeline(
        ComBat(
            TangentConnectome(cov_estimator="ledoit-wolf", metric="logeuclid"),
            site=SITE_COLUMN,
            covariates=list(COVARIATES),
            unseen_site="estimate",
        ),
        StandardScaler(),
        LogisticRegression(C=0.01, max_iter=1000),
    ),
}
