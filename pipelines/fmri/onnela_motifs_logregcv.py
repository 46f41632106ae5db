"""Onnela weighted-motif features + logistic regression with C chosen by nested CV.

``onnela-motifs-logreg`` (node strength, 3-cycle motif intensity and coherence per ROI on
the 20%-density positive weighted graph, 600 features; Onnela et al. 2005) with C chosen
among 10^-4 ... 10^0 (9 values) by an inner stratified 5-fold CV (ROC AUC) on the training
fold only, instead of the fixed C = 0.01. Declared in docs/fmri.md before it was scored.
Takes ``load_abide().X`` or the list of arrays. Slow (opt-in for ``neuropipe benchmark``).
"""

import numpy as np
from sklearn.linear_model import LogisticRegressionCV
from sklearn.model_selection import StratifiedKFold
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from neuropipe.features.graph import ConnectivityGraph, GraphMetrics

PIPELINE = {
    "name": "onnela-motifs-logregcv",
    "paradigms": ["fmri"],
    "slow": True,  # opt-in for `neuropipe benchmark` (--include-slow); bench_fmri.py runs it
    "pipeline": make_pipeline(
        ConnectivityGraph(kind="correlation", density=0.2, absolute=False, binarize=False),
        GraphMetrics(metrics=["strength", "intensity", "coherence"]),
        StandardScaler(),
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
