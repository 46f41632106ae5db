"""Stacking of four connectivity representations, weights learnt inside the training fold.

Base models, each with the settings of its own pipeline file (C = 0.01, fixed a priori):
the log-Euclidean tangent connectome (``tangent-logreg``), Fisher-z Pearson correlations
(``connectome-logreg``), Ledoit-Wolf partial correlations (``partial-correlation-logreg``)
and the Onnela weighted motifs (``onnela-motifs-logreg``), each into a standardised L2
logistic regression. Their out-of-fold probabilities (inner stratified 5-fold on the
training fold only) feed a logistic regression, which learns how much to trust each
representation: the super learner (van der Laan et al. 2007), in place of choosing one
representation by its test score. No single connectivity kind wins on every data set
(Dadi et al. 2019). Declared in docs/fmri.md before it was scored.

Speed, without changing the models: the three 19,900- or 20,100-wide blocks are rotated by
``KernelPCA(kernel='linear')`` onto the training rows' principal axes after
standardisation; an L2-penalised linear model with an unpenalised intercept has its weights
in the span of the centred training rows, so fit and predictions equal those on the full
width up to the solver's tolerance (as in ``tangent-logregcv``). Takes ``load_abide().X``
or the list of (n_timepoints, n_rois) arrays. Slow (opt-in for ``neuropipe benchmark``).
"""

from sklearn.covariance import EmpiricalCovariance
from sklearn.decomposition import KernelPCA
from sklearn.ensemble import StackingClassifier
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import StratifiedKFold
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from neuropipe.features.connectome import TangentConnectome
from neuropipe.features.graph import ConnectivityGraph, EdgeVector, GraphMetrics


def _logreg(*features, rotate=True):
    rotation = [KernelPCA(kernel="linear")] if rotate else []
    return make_pipeline(
        *features, StandardScaler(), *rotation, LogisticRegression(C=0.01, max_iter=1000)
    )


def _edges(kind, cov_estimator):
    graph = ConnectivityGraph(
        kind=kind,
        cov_estimator=cov_estimator,
        density=None,
        absolute=False,
        binarize=False,
        fisher_z=True,
    )
    return _logreg(graph, EdgeVector())


PIPELINE = {
    "name": "connectome-kinds-stack",
    "paradigms": ["fmri"],
    "slow": True,  # 24 model fits per fold: opt-in (--include-slow); bench_fmri.py runs it
    "pipeline": StackingClassifier(
        [
            (
                "tangent",
                _logreg(TangentConnectome(cov_estimator="ledoit-wolf", metric="logeuclid")),
            ),
            ("pearson", _edges("correlation", EmpiricalCovariance(store_precision=False))),
            ("partial", _edges("partial correlation", None)),
            (
                "motifs",
                _logreg(
                    ConnectivityGraph(
                        kind="correlation", density=0.2, absolute=False, binarize=False
                    ),
                    GraphMetrics(metrics=["strength", "intensity", "coherence"]),
                    rotate=False,
                ),
            ),
        ],
        final_estimator=LogisticRegression(),
        cv=StratifiedKFold(5, shuffle=True, random_state=0),
    ),
}
