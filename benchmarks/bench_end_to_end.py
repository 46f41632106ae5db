"""End to end: ``neuropipe benchmark``'s evaluation against MOABB's WithinSessionEvaluation.

Same bundled EEGMMIDB left/right subjects, same epochs (MOABB's ``LeftRightImagery()``
defaults, 8-32 Hz, 0-3 s; neuropipe's default ``eegmmidb-leftright`` epoching), same folds
(5-fold stratified, shuffled, seed 42) and score (ROC-AUC), five pipelines (CSP+LDA, TS+LR,
TS+SVM, FgMDM, ACM+TS+SVM fast). Each repeat runs, in one process on one BLAS thread:

1. MOABB on the very pipeline files neuropipe runs (``pipelines/``): the two evaluation
   loops compared on identical estimators;
2. MOABB on MOABB's own definition of FgMDM (its ``FgMDM.yml``: pyRiemann's ``Covariances``
   and ``FgMDM``) in place of ``pipelines/fgmdm.py`` (the same model written as pyRiemann
   steps and neuropipe's faster shrinkage-LDA solve), the other files unchanged
   (``--no-moabb-reference`` skips it);
3. neuropipe's :func:`~neuropipe.benchmark.runner.run_benchmark` (the code behind
   ``neuropipe benchmark``, one job, a fresh task store, its in-process caches of epochs,
   per-epoch covariances and transformer fits emptied).

Scores are asserted equal per subject, session and pipeline across the three runs; the best
wall and CPU times of the repeats and the ratios MOABB / neuropipe are printed.

Usage (from the repository root)::

    OMP_NUM_THREADS=1 .venv/bin/python benchmarks/bench_end_to_end.py --subjects 1 2 \\
        --repeats 2 --write-docs
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
import warnings
from pathlib import Path

import mne
import pandas as pd
from threadpoolctl import threadpool_limits

from neuropipe.benchmark import run_benchmark
from neuropipe.benchmark.cache import clear_epoch_cache, transformer_memory
from neuropipe.benchmark.pipeline_files import load_pipeline_file
from neuropipe.datasets.moabb_bridge import physionet_mi

ROOT = Path(__file__).resolve().parents[1]
FILES = ["csp_lda.py", "ts_lr.py", "ts_svm.py", "fgmdm.py", "acm_tgsp_svm_fast.py"]
RESULTS = ROOT / "results" / "bench_end_to_end.json"
DOC_START, DOC_END = "<!-- bench_end_to_end:start -->", "<!-- bench_end_to_end:end -->"


def _timed(run):
    start, start_cpu = time.perf_counter(), time.process_time()
    out = run()
    return out, time.perf_counter() - start, time.process_time() - start_cpu


def moabb_fgmdm():
    """MOABB's ``pipelines/FgMDM.yml``: ``Covariances(estimator="oas")``, then pyRiemann's
    ``FgMDM(metric="riemann")``."""
    from pyriemann.classification import FgMDM
    from pyriemann.estimation import Covariances
    from sklearn.pipeline import make_pipeline

    return make_pipeline(Covariances(estimator="oas"), FgMDM(metric="riemann"))


def run_moabb(files, subjects, reference=False):
    from moabb.evaluations import WithinSessionEvaluation
    from moabb.paradigms import LeftRightImagery

    pipelines = {}
    for path in files:
        pipelines.update({c["name"]: c["pipeline"] for c in load_pipeline_file(path)})
    if reference and "FgMDM" in pipelines:
        pipelines["FgMDM"] = moabb_fgmdm()
    home = tempfile.mkdtemp(prefix="bench-e2e-moabb-")
    os.environ["MNE_DATA"] = home
    dataset = physionet_mi(subjects=subjects, root=home)
    evaluation = WithinSessionEvaluation(
        paradigm=LeftRightImagery(),
        datasets=[dataset],
        overwrite=True,
        random_state=42,
        hdf5_path=home,
    )
    results = evaluation.process(pipelines)
    results["subject"] = results["subject"].astype(int)
    return results[["subject", "session", "pipeline", "score"]]


def run_neuropipe(files, subjects):
    # every repeat starts cold: no epochs, no transformer fits left from the last one
    clear_epoch_cache()
    transformer_memory().clear(warn=False)
    results = run_benchmark(
        [str(f) for f in files],
        datasets=["eegmmidb-leftright"],
        subjects=subjects,
        output=tempfile.mkdtemp(prefix="bench-e2e-ours-"),
        progress=False,
    )
    failures = results.attrs.get("failures")
    if failures is not None and len(failures):
        raise RuntimeError(f"neuropipe tasks failed:\n{failures}")
    results["subject"] = results["subject"].astype(int)
    return results[["subject", "session", "pipeline", "score"]]


MOABB_RUNS = {
    "MOABB": "MOABB, same pipeline files",
    "MOABB (FgMDM.yml)": "MOABB, its own FgMDM.yml (pyRiemann FgMDM)",
}


def compare(ours, runs):
    keys = ["subject", "pipeline"]
    table = ours.groupby(keys)["score"].mean().to_frame("neuropipe")
    for name, scores in runs.items():
        table = table.join(scores.groupby(keys)["score"].mean().to_frame(name), how="outer")
    table["abs_diff"] = table[list(runs)].sub(table["neuropipe"], axis=0).abs().max(axis=1)
    return table


def report(table, walls, cpus, subjects, n_repeats):
    wall = {k: min(v) for k, v in walls.items() if v}
    cpu = {k: min(v) for k, v in cpus.items() if v}
    runs = [k for k in MOABB_RUNS if k in wall]
    means = table.groupby("pipeline")[["neuropipe", *runs]].mean()
    lines = [
        f"EEGMMIDB left/right subjects {', '.join(map(str, subjects))}, 5-fold within-session "
        f"ROC-AUC, one BLAS thread, one job, best of {n_repeats} interleaved repeat(s) (MOABB "
        "runs first in each); scores asserted equal per subject and pipeline across the runs "
        f"(max |difference| {table['abs_diff'].max():.2g}: MOABB stores float32).",
        "",
        f"| pipeline | neuropipe score | {' | '.join(f'{r} score' for r in runs)} |",
        "|---" * (2 + len(runs)) + "|",
    ]
    lines += [
        f"| {name} | " + " | ".join(f"{r[c]:.4f}" for c in ["neuropipe", *runs]) + " |"
        for name, r in means.iterrows()
    ]
    lines += [
        "",
        "| reference | reference wall (s) | neuropipe wall (s) | wall ratio | reference CPU (s) "
        "| neuropipe CPU (s) | CPU ratio |",
        "|---|---|---|---|---|---|---|",
    ]
    for run in runs:
        lines.append(
            f"| {MOABB_RUNS[run]} | {wall[run]:.1f} | {wall['neuropipe']:.1f} "
            f"| **{wall[run] / wall['neuropipe']:.2f}x** | {cpu[run]:.1f} "
            f"| {cpu['neuropipe']:.1f} | **{cpu[run] / cpu['neuropipe']:.2f}x** |"
        )
    return "\n".join(lines), wall, cpu


def write_docs(block, command):
    path = ROOT / "docs" / "performance.md"
    text = path.read_text()
    start, end = text.index(DOC_START), text.index(DOC_END)
    path.write_text(text[:start] + f"{DOC_START}\nCommand: `{command}`\n\n{block}\n" + text[end:])


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--subjects", type=int, nargs="+", default=[1, 2, 3, 4, 5, 6])
    parser.add_argument("--pipelines", nargs="+", default=FILES, help="files in pipelines/")
    parser.add_argument("--repeats", type=int, default=1)
    parser.add_argument("--write-docs", action="store_true")
    parser.add_argument(
        "--no-moabb-reference",
        dest="reference",
        action="store_false",
        help="skip the MOABB run with MOABB's own FgMDM.yml",
    )
    args = parser.parse_args(argv)
    command = "OMP_NUM_THREADS=1 python benchmarks/bench_end_to_end.py " + " ".join(
        sys.argv[1:] if argv is None else argv
    )
    files = [ROOT / "pipelines" / name for name in args.pipelines]
    warnings.filterwarnings("ignore")
    mne.set_log_level("ERROR")
    runs = [*MOABB_RUNS, "neuropipe"] if args.reference else ["MOABB", "neuropipe"]
    walls, cpus = {run: [] for run in runs}, {run: [] for run in runs}
    scores = {}
    with threadpool_limits(1):
        for _ in range(args.repeats):
            for run in runs:
                if run == "neuropipe":
                    job = lambda: run_neuropipe(files, args.subjects)  # noqa: E731
                else:
                    reference = run != "MOABB"
                    job = lambda r=reference: run_moabb(files, args.subjects, r)  # noqa: E731
                scores[run], wall, cpu = _timed(job)
                walls[run].append(wall)
                cpus[run].append(cpu)
    table = compare(scores.pop("neuropipe"), scores)
    print(table.round(4).to_string())
    assert not table.isna().any().any(), "a pipeline is missing a score"
    # MOABB keeps its scores as float32: equal up to float32 rounding
    assert (table["abs_diff"] <= 1e-6).all(), "scores differ"
    block, wall, cpu = report(table, walls, cpus, args.subjects, args.repeats)
    RESULTS.parent.mkdir(exist_ok=True)
    RESULTS.write_text(
        json.dumps(
            dict(
                command=command, wall=wall, cpu=cpu, scores=table.reset_index().to_dict("records")
            ),
            indent=1,
        )
    )
    print(block)
    if args.write_docs:
        write_docs(block, command)


if __name__ == "__main__":
    pd.set_option("display.width", 160)
    main()
