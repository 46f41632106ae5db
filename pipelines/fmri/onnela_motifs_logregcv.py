"""Onnela weighted-motif features + logistic regression with C chosen by nested CV.

``onnela-motifs-logreg`` (node strength, 3-cycle motif intensity and coherence per ROI on
the 20%-density positive weighted graph, 600 features; Onnela et al. 2005) with C chosen
among 10^-4 ... 10^0 (9 values) by an inner stratified 5-fold CV (ROC AUC) on the training
fold only, instead of the fixed C = 0.01. Declared in docs/fmri.md before it was scored.
Takes ``load_abide().X`` or the list of arrays. Slow (opt-in for ``neuropipe benchmark``).
"""

from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from neuropipe.features.graph import ConnectivityGraph, GraphMetrics
from neuropipe.model_selection import logistic_regression_cv

PIPELINE = {
    "name": "onnela-motifs-logregcv",
    "paradigms": ["fmri"],
    "slow": True,  # opt-in for `neuropipe benchmark` (--include-slow); bench_fmri.py runs it
    "pipeline": make_pipeline(
        ConnectivityGraph(kind="correlation", density=0.2, absolute=False, binarize=False),
        GraphMetrics(metrics=["strength", "intensity", "coherence"]),
        StandardScaler(),
        logistic_regression_cv(),
    ),
}
