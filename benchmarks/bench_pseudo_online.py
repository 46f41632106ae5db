"""Pseudo-online vs offline: the default EEG pipelines on the bundled continuous runs.

One run of the benchmark machinery, two protocols on the same pipeline files and data:

1. offline, ``neuropipe benchmark --protocol within-session`` (MOABB's within-session
   stratified 5-fold, ROC AUC for the two motor-imagery classes, accuracy for the four
   SSVEP classes);
2. pseudo-online, ``neuropipe benchmark --protocol pseudo-online``
   (:mod:`neuropipe.evaluation.pseudo_online`: leave one run out, task and idle epochs
   from the causally filtered training runs, a window of the epochs' length sliding every
   0.5 s over the held-out run, scored against the label in force at each window's end).

Per subject (runs or sessions averaged within it) and pipeline it writes the offline
score beside nMCC, ITR (bits/min), false activations per minute of rest, the median onset
latency and the share of trials detected. Filter-bank SSVEP pipelines (FB-MDM,
FBCov+TS+LR) have no pseudo-online rows: the decoder band-passes one signal.

Usage (from the repository root)::

    OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 MKL_NUM_THREADS=1 \\
        .venv/bin/python benchmarks/bench_pseudo_online.py --n-jobs 2 --doc

``--output`` (default ``results/bench_pseudo_online``) keeps each protocol's task store
and ``results.csv`` (``neuropipe report <output>/pseudo-online`` draws the timeline), so
``--resume`` reruns only what changed; ``--doc`` prints the tables of
``docs/pseudo_online.md``; the merged per-subject table goes to
``docs/pseudo_online.csv``.
"""

from __future__ import annotations

import argparse
import platform
import time
from pathlib import Path

import pandas as pd

from neuropipe.benchmark import run_benchmark, write_csv_atomic
from neuropipe.evaluation.pseudo_online import summarize_pseudo_online

COLUMNS = [
    "offline",
    "nmcc",
    "chance_p95",
    "itr_bits_min",
    "false_activations_min",
    "onset_latency_s",
    "onset_detected",
]


def run(args):
    timings, tables = {}, {}
    for protocol in ("within-session", "pseudo-online"):
        start = time.perf_counter()
        results = run_benchmark(
            args.pipelines,
            args.datasets,
            args.subjects,
            protocol=protocol,
            output=Path(args.output) / protocol,
            resume=args.resume,
            n_jobs=args.n_jobs,
            progress=False,
        )
        timings[protocol] = time.perf_counter() - start
        write_csv_atomic(results, Path(args.output) / protocol / "results.csv")  # for reports
        failures = results.attrs.get("failures")
        if failures is not None and not failures.empty:
            print(f"{protocol}: {len(failures)} task(s) failed:")
            print(failures[["dataset", "subject", "pipeline", "error"]].to_string(index=False))
        tables[protocol] = results
    return tables, timings


def merge(tables) -> pd.DataFrame:
    """Per dataset, subject and pipeline: the offline score beside the pseudo-online ones."""
    offline = (
        tables["within-session"]
        .groupby(["dataset", "subject", "pipeline"], as_index=False)
        .agg(offline=("score", "mean"), offline_scoring=("scoring", "first"))
    )
    online = summarize_pseudo_online(
        tables["pseudo-online"], by=("dataset", "pipeline", "subject")
    ).drop(columns="runs")
    merged = online.merge(offline, on=["dataset", "subject", "pipeline"], how="left")
    return merged.sort_values(["dataset", "subject", "nmcc"], ascending=[True, True, False])


def means(merged) -> pd.DataFrame:
    table = merged.groupby(["dataset", "pipeline"], as_index=False).agg(
        **{c: (c, "mean") for c in COLUMNS}, subjects=("subject", "nunique")
    )
    return table.sort_values(["dataset", "nmcc"], ascending=[True, False])


def markdown(frame: pd.DataFrame) -> str:
    text = frame.copy()
    for column in text.columns:
        if pd.api.types.is_float_dtype(text[column]):
            digits = 1 if column in ("itr_bits_min", "false_activations_min") else 2
            text[column] = text[column].map(lambda v, d=digits: "" if pd.isna(v) else f"{v:.{d}f}")
    header = "| " + " | ".join(text.columns) + " |"
    rule = "|" + "|".join("---" for _ in text.columns) + "|"
    body = ["| " + " | ".join(str(v) for v in row) + " |" for row in text.itertuples(index=False)]
    return "\n".join([header, rule, *body])


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--pipelines", nargs="+", default=["pipelines"])
    parser.add_argument("--datasets", nargs="+", default=None)
    parser.add_argument("--subjects", nargs="+", type=int, default=None)
    parser.add_argument("--output", default="results/bench_pseudo_online")
    parser.add_argument("--n-jobs", type=int, default=1)
    parser.add_argument("--resume", action="store_true")
    parser.add_argument("--doc", action="store_true", help="print the tables as markdown")
    parser.add_argument("--csv", default="docs/pseudo_online.csv")
    args = parser.parse_args(argv)
    tables, timings = run(args)
    merged = merge(tables)
    merged.to_csv(args.csv, index=False, float_format="%.4f")
    print(
        f"within-session {timings['within-session']:.0f} s, pseudo-online "
        f"{timings['pseudo-online']:.0f} s wall ({args.n_jobs} job(s), "
        f"{platform.processor() or platform.machine()})"
    )
    summary = means(merged)
    with pd.option_context("display.width", 200, "display.max_columns", 20):
        print(summary.round(3).to_string(index=False))
    if args.doc:
        print("\n## Means over subjects\n")
        print(markdown(summary))
        for dataset, frame in merged.groupby("dataset"):
            print(f"\n### {dataset}, per subject\n")
            print(markdown(frame.drop(columns=["dataset", "offline_scoring"])))


if __name__ == "__main__":
    main()
