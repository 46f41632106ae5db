"""``motifs-tangent-stack`` with each base model's C chosen by nested CV in the fold.

Base models: the tangent connectome + logistic regression of ``tangent-logregcv`` and the
Onnela motifs + logistic regression of ``onnela-motifs-logregcv``, each choosing its C among
10^-4 ... 10^0 by an inner stratified 5-fold CV (ROC AUC) inside whatever training data it
is given. Their out-of-fold probabilities (stratified 5-fold on the training fold) feed a
logistic regression, as in ``motifs-tangent-stack``. Declared in docs/fmri.md before it was
scored. Takes ``load_abide().X`` or the list of arrays. Slow (opt-in).
"""

from sklearn.decomposition import KernelPCA
from sklearn.ensemble import StackingClassifier
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import StratifiedKFold
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from neuropipe.features.connectome import TangentConnectome
from neuropipe.features.graph import ConnectivityGraph, GraphMetrics
from neuropipe.model_selection import logistic_regression_cv

connectome = make_pipeline(
    TangentConnectome(cov_estimator="ledoit-wolf", metric="logeuclid"),
    StandardScaler(),
    KernelPCA(kernel="linear"),
    logistic_regression_cv(),
)
motifs = make_pipeline(
    ConnectivityGraph(kind="correlation", density=0.2, absolute=False, binarize=False),
    GraphMetrics(metrics=["strength", "intensity", "coherence"]),
    StandardScaler(),
    logistic_regression_cv(),
)

PIPELINE = {
    "name": "motifs-tangent-stack-cv",
    "paradigms": ["fmri"],
    "slow": True,  # twelve nested model selections per fold: opt-in (--include-slow)
    "pipeline": StackingClassifier(
        [("connectome", connectome), ("motifs", motifs)],
        final_estimator=LogisticRegression(),
        cv=StratifiedKFold(5, shuffle=True, random_state=0),
    ),
}
