"""Motif features stacked with the tangent connectome (two models, one meta-classifier).

Concatenated with 20,100 connectome values, a few hundred motif features would be drowned by
the L2 penalty; stacking gives each block its own model. Base models: the log-Euclidean
tangent connectome + logistic regression, and the Onnela weighted-motif set (strength,
intensity, coherence on the 20%-density positive graph) + logistic regression. Their
out-of-fold probabilities (inner stratified 5-fold on the training fold only) feed a
logistic regression. Takes ``load_abide().X`` or the list of arrays. Marked slow (about
70 s per fold on 249 subjects on the shared machine): ``neuropipe benchmark`` runs it with
``--include-slow``, ``benchmarks/bench_fmri.py`` always.
"""

from sklearn.ensemble import StackingClassifier
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import StratifiedKFold
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from neuropipe.features.connectome import TangentConnectome
from neuropipe.features.graph import ConnectivityGraph, GraphMetrics

connectome = make_pipeline(
    TangentConnectome(metric="logeuclid"),
    StandardScaler(),
    LogisticRegression(C=0.01, max_iter=1000),
)
motifs = make_pipeline(
    ConnectivityGraph(kind="correlation", density=0.2, absolute=False, binarize=False),
    GraphMetrics(metrics=["strength", "intensity", "coherence"]),
    StandardScaler(),
    LogisticRegression(C=0.01, max_iter=1000),
)

PIPELINE = {
    "name": "motifs-tangent-stack",
    "paradigms": ["fmri"],
    "slow": True,  # six model fits per fold: opt-in for `neuropipe benchmark` (--include-slow)
    "pipeline": StackingClassifier(
        [("connectome", connectome), ("motifs", motifs)],
        final_estimator=LogisticRegression(),
        cv=StratifiedKFold(5, shuffle=True, random_state=0),
    ),
}
