"""Weighted 3-cycle motifs (Onnela et al. 2005): node strength, motif intensity and coherence.

Binary motif counts discard the edge weights. Here each subject's graph keeps its 20%
strongest positive Ledoit-Wolf correlations with their weights, and every ROI is described
by its strength, the total intensity of its triangles (geometric mean of the three weights)
and their mean coherence (geometric over arithmetic mean): 600 features, standardised, into
an L2 logistic regression. Takes ``load_abide().X`` or the list of arrays.
"""

from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from neuropipe.features.graph import ConnectivityGraph, GraphMetrics

PIPELINE = {
    "name": "onnela-motifs-logreg",
    "paradigms": ["fmri"],
    "pipeline": make_pipeline(
        ConnectivityGraph(kind="correlation", density=0.2, absolute=False, binarize=False),
        GraphMetrics(metrics=["strength", "intensity", "coherence"]),
        StandardScaler(),
        LogisticRegression(C=0.01, max_iter=1000),
    ),
}
