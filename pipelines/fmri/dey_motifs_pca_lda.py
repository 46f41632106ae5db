"""Dey, Rao & Shah (2012), naive ROI-level version: degree + 3-cycle counts, PCA + LDA.

Each subject's correlation graph keeps its 10% strongest |r| edges (binary, same density
for every subject); each ROI is described by its degree and the number of triangles it
takes part in (400 features), reduced by PCA to 20 components and classified by LDA.
Takes the list of (n_timepoints, n_rois) arrays or ``load_abide().X``.
"""

from sklearn.decomposition import PCA
from sklearn.discriminant_analysis import LinearDiscriminantAnalysis
from sklearn.pipeline import make_pipeline

from neuropipe.features.graph import ConnectivityGraph, GraphMetrics

PIPELINE = {
    "name": "dey-motifs-pca-lda",
    "paradigms": ["fmri"],
    "pipeline": make_pipeline(
        ConnectivityGraph(kind="correlation", density=0.1, absolute=True, binarize=True),
        GraphMetrics(metrics=["degree", "triangles"]),
        PCA(n_components=20),
        LinearDiscriminantAnalysis(),
    ),
}
