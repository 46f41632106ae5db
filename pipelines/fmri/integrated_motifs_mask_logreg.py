"""3- and 4-node motif counts integrated over graph densities, ROI mask learnt in the fold.

No single threshold: each subject's Ledoit-Wolf correlation matrix is thresholded at the
densities 5%, 10%, ..., 30% (strongest positive edges), and per ROI the degree, 3-cycles
(triangles), 4-cycles (squares) and 4-cliques are averaged over the densities (an area
under the density curve). A mask of the 50 ROIs whose features best separate the classes
(mean ANOVA F) is learnt on the training fold, then an L2 logistic regression. Takes
``load_abide().X`` or the list of arrays.
"""

from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from neuropipe.features.graph import ConnectivityGraph, DensityIntegratedMetrics
from neuropipe.selection import ROIMask

PIPELINE = {
    "name": "integrated-motifs-mask-logreg",
    "paradigms": ["fmri"],
    "slow": True,  # opt-in for `neuropipe benchmark` (--include-slow); bench_fmri.py runs it
    "pipeline": make_pipeline(
        ConnectivityGraph(kind="correlation", density=None, absolute=False, binarize=False),
        DensityIntegratedMetrics(
            metrics=["degree", "triangles", "squares", "cliques4"],
            densities=[0.05, 0.1, 0.15, 0.2, 0.25, 0.3],
            absolute=False,
        ),
        StandardScaler(),
        ROIMask(n_rois=200, k=50),
        LogisticRegression(C=0.01, max_iter=1000),
    ),
}
