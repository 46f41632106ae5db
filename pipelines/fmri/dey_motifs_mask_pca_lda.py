"""Dey-style motifs with a learnt region mask: positive-edge graphs, degree + 3-cycles.

Differs from ``dey_motifs_pca_lda`` in two ways chosen a priori: the graph keeps the 10%
strongest *positive* correlations (after global-signal regression, as in these PCP files,
anti-correlations are partly induced by the preprocessing; Murphy et al. 2009), and a mask of
the 20 ROIs whose features best separate the classes is learnt inside each training fold
(Dey et al.'s "useful regions" mask), before PCA + LDA. Takes the list of
(n_timepoints, n_rois) arrays or ``load_abide().X``.
"""

from sklearn.decomposition import PCA
from sklearn.discriminant_analysis import LinearDiscriminantAnalysis
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from neuropipe.features.graph import ConnectivityGraph, GraphMetrics
from neuropipe.selection import ROIMask

PIPELINE = {
    "name": "dey-motifs-mask-pca-lda",
    "paradigms": ["fmri"],
    "pipeline": make_pipeline(
        ConnectivityGraph(kind="correlation", density=0.1, absolute=False, binarize=True),
        GraphMetrics(metrics=["degree", "triangles"]),
        StandardScaler(),
        ROIMask(n_rois=200, k=20),
        PCA(n_components=20),
        LinearDiscriminantAnalysis(),
    ),
}
