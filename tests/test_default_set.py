"""The default EEG motor-imagery set follows its rule on the recorded per-subject scores.

Rule (docs/eeg_accuracy.md, "Which pipeline to use"): a pipeline file is a default only if
its within-session ROC-AUC is at or below chance (0.5) on at most one of the six bundled
EEGMMIDB subjects; a pipeline whose scores straddle chance (two or more subjects at or
below 0.5) is opt-in (``"slow": True``), whatever its mean. The scores are the recorded
ones of docs/eeg_accuracy.csv (the benchmark's raw rows), not recomputed here.
"""

from pathlib import Path

import pandas as pd
import pytest

from neuropipe.benchmark.pipeline_files import load_pipelines
from neuropipe.datasets import default_pipelines_dir

CSV = Path(__file__).resolve().parents[1] / "docs" / "eeg_accuracy.csv"
MI = {"LeftRightImagery", "MotorImagery"}


@pytest.fixture(scope="module")
def at_or_below_chance():
    rows = pd.read_csv(CSV)
    rows = rows[rows["evaluation"] == "WithinSession"]
    assert sorted(rows["subject"].unique()) == [1, 2, 3, 4, 5, 6]
    return (rows["score"] <= 0.5).groupby(rows["pipeline"]).sum()


def test_defaults_never_straddle_chance(at_or_below_chance):
    configs = load_pipelines(default_pipelines_dir(), include_slow=True)
    mi = {c["name"]: c for c in configs if MI & set(c["paradigms"])}
    scored = {name: c for name, c in mi.items() if name in at_or_below_chance.index}
    assert set(mi) - set(scored) == {"ACM+TS+SVM (grid)"}  # minutes per fold, never scored
    defaults = {name for name, c in scored.items() if not c.get("slow", False)}
    for name in defaults:
        assert at_or_below_chance[name] <= 1, f"{name} straddles chance but is a default"
    straddling = {name for name in scored if at_or_below_chance[name] >= 2}
    assert straddling.isdisjoint(defaults)
    assert {"ACM+MDM (fast)", "CAR+PSD+R2+sLDA (inner CV)", "CSP+LDA"} <= straddling
    assert defaults == {
        "ACM+TS+SVM (sensorimotor, OAS)",
        "CAR+MT-logBP(4 Hz)+sLDA",
        "CAR+logBP(mu,beta)+sLDA",
        "FgMDM",
        "TS+LR",
        "TS+SVM",
        "Vote(TS-SM+sLDA, MT-logBP+sLDA)",
    }
