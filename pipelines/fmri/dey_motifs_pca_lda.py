"""Dey, Rao & Shah (2012), naive ROI-level version: degree + 3-cycle counts, PCA + LDA.

Each subject's correlation graph keeps its 10% strongest |r| edges (binary, same density
for every subject); each ROI is described by its degree and the number of triangles it
takes part in (400 features), reduced by PCA to 20 components and classified by LDA.
Takes the list of (n_timepoints, n_rois) arrays or ``load_abide().X``.

Opt-in reproduction (``"slow": True``, run with ``--include-slow``): a pipeline at chance
does not ship as a default. On the bundled 249 subjects it scores below chance in both
protocols of the main job (stratified 5-fold 0.514, leave-site-out 0.490; chance 0.570 and
0.564); across the 17 sites of the 802-subject benchmark its pooled leave-site-out accuracy,
0.561, is at the p < 0.05 threshold of chance (0.559 for chance 0.530 and 802 subjects);
trained on the bundled sites it scored 0.476 on three unseen ABIDE sites (chance 0.549).
``dey-motifs-mask-pca-lda`` (positive edges, a region mask learnt in the fold) and
``onnela-motifs-logreg`` (weighted motifs) are the motif pipelines to use (docs/fmri.md).
"""

from sklearn.decomposition import PCA
from sklearn.discriminant_analysis import LinearDiscriminantAnalysis
from sklearn.pipeline import make_pipeline

from neuropipe.features.graph import ConnectivityGraph, GraphMetrics

PIPELINE = {
    "name": "dey-motifs-pca-lda",
    "paradigms": ["fmri"],
    "slow": True,  # at chance: opt-in reproduction (--include-slow); bench_fmri.py runs it
    "pipeline": make_pipeline(
        ConnectivityGraph(kind="correlation", density=0.1, absolute=True, binarize=True),
        GraphMetrics(metrics=["degree", "triangles"]),
        PCA(n_components=20),
        LinearDiscriminantAnalysis(),
    ),
}
