"""End to end: ``neuropipe benchmark``'s evaluation against MOABB's WithinSessionEvaluation.

Same pipeline files (``pipelines/``: CSP+LDA, TS+LR, TS+SVM, FgMDM, ACM+TS+SVM fast), same
bundled EEGMMIDB left/right subjects, same epochs (MOABB's ``LeftRightImagery()`` defaults,
8-32 Hz, 0-3 s; neuropipe's default ``eegmmidb-leftright`` epoching), same folds (5-fold
stratified, shuffled, seed 42) and score (ROC-AUC). Each repeat runs MOABB first, then
neuropipe's :func:`~neuropipe.evaluation.benchmark.run_benchmark` (the code behind
``neuropipe benchmark``, one job, a fresh task store, its in-process caches of epochs and
transformer fits emptied), in one process on one BLAS thread. Scores are asserted equal per subject, session and pipeline;
the best wall and CPU times of the repeats and their ratios are printed.

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
import numpy as np
import pandas as pd
from threadpoolctl import threadpool_limits

from neuropipe.datasets.moabb_bridge import physionet_mi
from neuropipe.evaluation import runner
from neuropipe.evaluation.benchmark import run_benchmark
from neuropipe.evaluation.cache import clear_epoch_cache, transformer_memory
from neuropipe.evaluation.pipelines import load_pipeline_file

ROOT = Path(__file__).resolve().parents[1]
FILES = ["csp_lda.py", "ts_lr.py", "ts_svm.py", "fgmdm.py", "acm_tgsp_svm_fast.py"]
RESULTS = ROOT / "results" / "bench_end_to_end.json"
DOC_START, DOC_END = "<!-- bench_end_to_end:start -->", "<!-- bench_end_to_end:end -->"


def _timed(run):
    start, start_cpu = time.perf_counter(), time.process_time()
    out = run()
    return out, time.perf_counter() - start, time.process_time() - start_cpu


def run_moabb(files, subjects):
    from moabb.evaluations import WithinSessionEvaluation
    from moabb.paradigms import LeftRightImagery

    pipelines = {}
    for path in files:
        pipelines.update({c["name"]: c["pipeline"] for c in load_pipeline_file(path)})
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
    load = getattr(runner, "_load", None)
    if hasattr(load, "cache_clear"):
        load.cache_clear()
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


def compare(ours, moabb):
    keys = ["subject", "pipeline"]
    table = (
        ours.groupby(keys)["score"]
        .mean()
        .to_frame("neuropipe")
        .join(moabb.groupby(keys)["score"].mean().to_frame("MOABB"), how="outer")
    )
    table["abs_diff"] = (table["neuropipe"] - table["MOABB"]).abs()
    return table


def report(table, walls, cpus, subjects, n_repeats):
    wall = {k: min(v) for k, v in walls.items()}
    cpu = {k: min(v) for k, v in cpus.items()}
    means = table.groupby("pipeline")[["neuropipe", "MOABB", "abs_diff"]].mean()
    lines = [
        f"EEGMMIDB left/right subjects {', '.join(map(str, subjects))}, 5-fold within-session "
        f"ROC-AUC, one BLAS thread, one job, best of {n_repeats} repeat(s) (MOABB first in "
        "each); scores asserted equal per subject and pipeline (max |difference| "
        f"{table['abs_diff'].max():.2g}).",
        "",
        "| pipeline | neuropipe score | MOABB score |",
        "|---|---|---|",
    ]
    lines += [f"| {name} | {r.neuropipe:.4f} | {r.MOABB:.4f} |" for name, r in means.iterrows()]
    lines += [
        "",
        "| | MOABB | neuropipe | ratio (MOABB / neuropipe) |",
        "|---|---|---|---|",
        f"| wall (s) | {wall['MOABB']:.1f} | {wall['neuropipe']:.1f} "
        f"| **{wall['MOABB'] / wall['neuropipe']:.2f}x** |",
        f"| CPU (s) | {cpu['MOABB']:.1f} | {cpu['neuropipe']:.1f} "
        f"| {cpu['MOABB'] / cpu['neuropipe']:.2f}x |",
    ]
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
    args = parser.parse_args(argv)
    command = "OMP_NUM_THREADS=1 python benchmarks/bench_end_to_end.py " + " ".join(
        sys.argv[1:] if argv is None else argv
    )
    files = [ROOT / "pipelines" / name for name in args.pipelines]
    warnings.filterwarnings("ignore")
    mne.set_log_level("ERROR")
    walls, cpus = {"MOABB": [], "neuropipe": []}, {"MOABB": [], "neuropipe": []}
    with threadpool_limits(1):
        for _ in range(args.repeats):
            moabb, wall, cpu = _timed(lambda: run_moabb(files, args.subjects))
            walls["MOABB"].append(wall)
            cpus["MOABB"].append(cpu)
            ours, wall, cpu = _timed(lambda: run_neuropipe(files, args.subjects))
            walls["neuropipe"].append(wall)
            cpus["neuropipe"].append(cpu)
    table = compare(ours, moabb)
    print(table.round(4).to_string())
    assert not table[["neuropipe", "MOABB"]].isna().any().any(), "a pipeline is missing a score"
    # MOABB keeps its scores as float32: equal up to float32 rounding
    np.testing.assert_allclose(table["neuropipe"], table["MOABB"], rtol=0, atol=1e-6)
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
