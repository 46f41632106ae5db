"""Tangent connectome on OAS-shrunk covariances + logistic regression with C chosen by nested CV.

``tangent-logregcv`` with the Oracle Approximating Shrinkage estimator (Chen et al. 2010)
instead of Ledoit-Wolf for each subject's covariance of its z-scored ROI series (OAS
shrinks more when time points are few, as at the short-scan ABIDE sites). Everything else,
the inner-CV choice of C and the exact ``KernelPCA`` rotation included, is that of
``tangent-logregcv``. Declared in docs/fmri.md before it was scored. Takes
``load_abide().X`` or the list of arrays. Slow (opt-in for ``neuropipe benchmark``).
"""

import numpy as np
from sklearn.decomposition import KernelPCA
from sklearn.linear_model import LogisticRegressionCV
from sklearn.model_selection import StratifiedKFold
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from neuropipe.features.connectome import TangentConnectome

PIPELINE = {
    "name": "tangent-oas-logregcv",
    "paradigms": ["fmri"],
    "slow": True,  # opt-in for `neuropipe benchmark` (--include-slow); bench_fmri.py runs it
    "pipeline": make_pipeline(
        TangentConnectome(cov_estimator="oas", metric="logeuclid"),
        StandardScaler(),
        KernelPCA(kernel="linear"),
        LogisticRegressionCV(
            Cs=np.logspace(-4, 0, 9),
            cv=StratifiedKFold(5, shuffle=True, random_state=0),
            scoring="roc_auc",
            l1_ratios=(0.0,),
            max_iter=1000,
            use_legacy_attributes=False,
        ),
    ),
}
