"""neuropipe's within-session scores vs MOABB's own WithinSessionEvaluation, offline.

Same epochs (MOABB's defaults: ``LeftRightImagery()`` on ``PhysionetMI``, 8-32 Hz, 0-3 s
after the cue; neuropipe's default ``load_dataset("eegmmidb-leftright")``), same folds
(5-fold, random_state=42), ROC-AUC, on the six bundled EEGMMIDB left/right subjects, for
baseline pipelines in pipelines/. ``--epoching short`` compares neuropipe's short window
(8-30 Hz, 0.5-2.5 s) with ``LeftRightImagery(fmin=8, fmax=30, tmin=0.5, tmax=2.5)``.

Run: .venv/bin/python benchmarks/moabb_parity.py [--output docs/moabb_parity.md]
"""

import argparse
import os
import tempfile
import time
import warnings

import mne
import pandas as pd

from neuropipe.benchmark.pipeline_files import load_pipelines
from neuropipe.datasets import load_dataset
from neuropipe.datasets.moabb_bridge import physionet_mi
from neuropipe.evaluation.protocols import evaluate_within_session


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--output", default=None, help="write a markdown table here")
    parser.add_argument("--epoching", default="moabb", choices=["moabb", "short"])
    parser.add_argument("--subjects", type=int, nargs="+", default=[1, 2, 3, 4, 5, 6])
    args = parser.parse_args()
    warnings.filterwarnings("ignore")
    mne.set_log_level("ERROR")
    from moabb.evaluations import WithinSessionEvaluation
    from moabb.paradigms import LeftRightImagery

    subjects = args.subjects
    pipelines = {
        c["name"]: c["pipeline"]
        for c in load_pipelines("pipelines", include_slow=True)  # CSP+LDA is opt-in
        if c["name"] in ("CSP+LDA", "TS+LR", "TS+SVM")
    }
    home = tempfile.mkdtemp()
    os.environ["MNE_DATA"] = home
    dataset = physionet_mi(subjects=subjects, root=home)
    if args.epoching == "moabb":
        paradigm = LeftRightImagery()
        window = "MOABB's default LeftRightImagery epochs: 8-32 Hz, 0 to +3 s"
    else:
        paradigm = LeftRightImagery(fmin=8, fmax=30, tmin=0.5, tmax=2.5)
        window = "8-30 Hz, +0.5 to +2.5 s (neuropipe's epoching='short')"
    start = time.perf_counter()
    moabb = WithinSessionEvaluation(
        paradigm=paradigm, datasets=[dataset], overwrite=True, random_state=42, hdf5_path=home
    ).process(pipelines)
    moabb_time = time.perf_counter() - start
    start = time.perf_counter()
    ours = evaluate_within_session(
        pipelines,
        load_dataset("eegmmidb-leftright", subjects=subjects, epoching=args.epoching),
        "eegmmidb",
    )
    ours_time = time.perf_counter() - start
    moabb["subject"] = moabb["subject"].astype(int)
    table = ours.merge(moabb, on=["subject", "pipeline"], suffixes=("_neuropipe", "_moabb"))
    table["abs_diff"] = (table["score_neuropipe"] - table["score_moabb"]).abs()
    table = table.pivot(index="subject", columns="pipeline",
                        values=["score_neuropipe", "score_moabb", "abs_diff"])
    print(table.round(3).to_string())
    print(f"max |difference| = {table['abs_diff'].to_numpy().max():.4f}")
    print(f"wall time: MOABB {moabb_time:.0f} s, neuropipe {ours_time:.0f} s "
          f"(ratio {moabb_time / ours_time:.1f})")
    if args.output:
        means = table.mean().unstack(0)
        with open(args.output, "w") as out:
            out.write("# neuropipe vs MOABB within-session scores (EEGMMIDB left/right)\n\n")
            command = ["OMP_NUM_THREADS=1", ".venv/bin/python", "benchmarks/moabb_parity.py"]
            if args.epoching != "moabb":
                command += ["--epoching", args.epoching]
            if subjects != [1, 2, 3, 4, 5, 6]:
                command += ["--subjects", *map(str, subjects)]
            out.write(f"Command: `{' '.join(command + ['--output', args.output])}`\n\n")
            out.write(f"ROC-AUC per subject, 5-fold within-session, random_state=42, {window}, "
                      "64 channels, 160 Hz; MOABB run offline on the bundled files.\n\n")
            out.write("```\n" + table.round(3).to_string() + "\n```\n\n")
            out.write("Mean over subjects:\n\n```\n" + means.round(3).to_string() + "\n```\n\n")
            out.write(f"Max absolute difference: {table['abs_diff'].to_numpy().max():.4f}. "
                      f"Wall time: MOABB {moabb_time:.0f} s, neuropipe {ours_time:.0f} s "
                      f"(x{moabb_time / ours_time:.1f}).\n")


if __name__ == "__main__":
    pd.set_option("display.width", 160)
    main()
