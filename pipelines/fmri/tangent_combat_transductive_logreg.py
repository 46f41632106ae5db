"""Tangent connectome + ComBat that also harmonises the unseen test site (transductive).

``tangent-combat-logreg`` with ``unseen_site='estimate'``: a site absent from the training
fold (the held-out site of leave-one-site-out) gets its additive and multiplicative effects
estimated from its own subjects at ``transform`` (their features only, never their labels,
with the same empirical Bayes shrinkage; nothing is stored in the fitted model). This is
how ComBat is usually applied to a new scanner, but it needs the new site's subjects as a
batch, so it answers a different question than the strictly inductive pipelines. Added
after the first 802-subject results (post hoc; docs/fmri.md). Takes ``load_abide().X``.
"""

from pathlib import Path

from sklearn.base import clone

from neuropipe.benchmark.pipeline_files import load_pipeline_file

_BASE = Path(__file__).resolve().parent / "tangent_combat_logreg.py"

PIPELINE = {
    "name": "tangent-combat-transductive-logreg",
    "paradigms": ["fmri"],
    "slow": True,  # opt-in for `neuropipe benchmark` (--include-slow); bench_fmri.py runs it
    # tangent-combat-logreg, read from its own file, with this one setting changed
    "pipeline": clone(load_pipeline_file(_BASE)[0]["pipeline"]).set_params(
        combat__unseen_site="estimate"
    ),
}
