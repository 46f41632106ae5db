"""Soft vote of the two best strictly inductive 802-subject pipelines (chosen post hoc).

The predicted probabilities of ``tangent-combat-logreg`` (tangent connectome, ComBat fitted
on the training fold, C = 0.01) and ``motifs-tangent-stack`` (Onnela motifs stacked with the
tangent connectome) are averaged (``VotingClassifier(voting='soft')``, equal weights, no
setting learnt beyond each model's own fit on the training fold). Chosen after their
802-subject results were known (the two best leave-site-out means among the strictly
inductive pipelines, 0.677 and 0.678): post hoc, labelled so in docs/fmri.md, and
declared there before it was scored. The two models are read from their own pipeline
files, so the vote is exactly theirs. Takes ``load_abide().X``. Slow (opt-in).
"""

from pathlib import Path

from sklearn.base import clone
from sklearn.ensemble import VotingClassifier

from neuropipe.benchmark.pipeline_files import load_pipeline_file

_HERE = Path(__file__).resolve().parent


def _model(stem):
    return clone(load_pipeline_file(_HERE / f"{stem}.py")[0]["pipeline"])


PIPELINE = {
    "name": "tangent-combat-stack-softvote",
    "paradigms": ["fmri"],
    "slow": True,  # opt-in for `neuropipe benchmark` (--include-slow); bench_fmri.py runs it
    "pipeline": VotingClassifier(
        [
            ("tangent_combat", _model("tangent_combat_logreg")),
            ("motifs_tangent_stack", _model("motifs_tangent_stack")),
        ],
        voting="soft",
    ),
}
