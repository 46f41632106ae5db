"""tangent-combat-logreg with each subject's all-zero ROIs treated as missing values.

45 of the 802 ABIDE subjects have ROI columns that are zero at every time point (outside
the field of view; 1 to 118 of the 200 ROIs). ``tangent-combat-logreg`` gives those ROIs
identity rows (unit variance, uncorrelated), so in the log-Euclidean tangent space their
entries sit at minus the group's mean logarithm, far from every other subject.
``TangentConnectome(zero_rois='impute')`` treats them as missing instead: the reference
averages each entry over the training subjects that observe it, and a subject's missing
entries take that training mean (0 in the tangent vector); the rule uses no labels and
nothing of the test subjects. Everything else as ``tangent-combat-logreg`` (ComBat fitted
on the training fold, held-out site kept as it is, C = 0.01). Declared in docs/fmri.md
before it was scored. Takes ``load_abide().X``. Slow (opt-in).
"""

from pathlib import Path

from sklearn.base import clone

from neuropipe.benchmark.pipeline_files import load_pipeline_file

_BASE = Path(__file__).resolve().parent / "tangent_combat_logreg.py"

PIPELINE = {
    "name": "tangent-combat-zeroimpute-logreg",
    "paradigms": ["fmri"],
    "slow": True,  # opt-in for `neuropipe benchmark` (--include-slow); bench_fmri.py runs it
    # tangent-combat-logreg, read from its own file, with this one setting changed
    "pipeline": clone(load_pipeline_file(_BASE)[0]["pipeline"]).set_params(
        combat__features__zero_rois="impute"
    ),
}
