"""ABIDE at scale: every pipelines/fmri file on 802 subjects, leave-one-site-out and 10-fold.

Reads the bundled 249 subjects (NYU, KKI, OHSU) plus the 553 subjects of 14 further sites in
``../shared/data/abide-pcp-cc200-more`` (benchmark data, never copied into the package), runs
every pipeline file of ``pipelines/fmri`` (slow ones included) under leave-one-site-out over
the 17 sites and stratified (site x label) 10-fold CV, and prints the accuracy with its
chance level (training-majority accuracy on each test fold), a per-site table, the wall time
and the peak memory. With ``--doc`` it writes the tables into ``docs/fmri.md``.

It runs on the benchmark's runner and task store (:func:`neuropipe.benchmark.run_tasks`,
:class:`neuropipe.benchmark.TaskStore`): the data folders are a dataset registered here
(:data:`DATASET`, an :class:`~neuropipe.datasets.ABIDE` over the ``--data`` folders), each
pipeline x protocol is one task, and ``--resume`` reuses a stored task only when its
fingerprint (pipeline file, data files, protocol, folds, seed, version) matches, as
``neuropipe benchmark --resume`` does.

Command (about an hour on the shared 2-core machine; the task store is ``results/bench_fmri/``
and ``--resume`` continues an interrupted run)::

    OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 nice -n 5 .venv/bin/python benchmarks/bench_fmri.py --doc

Repeated 10-fold (how much the 10-fold figure moves with the split alone; the docs' table
keeps seed 0; each other seed has its own task store, ``results/bench_fmri/seed<K>/``)::

    .venv/bin/python benchmarks/bench_fmri.py --resume --only tangent-logreg --fold-seeds 0 1 2 3 4
"""

from __future__ import annotations

import argparse
import os
import re
import resource
import sys
import time
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

from neuropipe.benchmark import BenchmarkTask, TaskStore, run_tasks
from neuropipe.benchmark.cache import load_epochs
from neuropipe.benchmark.pipeline_files import load_pipelines
from neuropipe.benchmark.results import read_results, write_csv_atomic
from neuropipe.datasets import (
    ABIDE,
    dataset_names,
    register_dataset,
    unregister_dataset,
)
from neuropipe.datasets.abide import DEFAULT_PATH
from neuropipe.evaluation.fmri import RANDOM_STATE, summarize_fmri

REPO = Path(__file__).resolve().parents[1]
MORE = REPO.parent / "shared" / "data" / "abide-pcp-cc200-more"
DOC = REPO / "docs" / "fmri.md"
OUT = REPO / "results" / "bench_fmri"
PROTOCOLS = ("leave-site-out", "stratified-10fold")
START, END = "<!-- bench_fmri:start -->", "<!-- bench_fmri:end -->"
#: The dataset of this benchmark's tasks: ABIDE over the folders given to --data.
DATASET = "abide-pcp-cc200-bench"


def _peak_mb():
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return max(own, children) / 1024.0  # kB on Linux


def register(folders, shuffle_seed=None) -> str:
    """Register ABIDE over ``folders`` as a dataset (labels permuted within each site when
    ``shuffle_seed`` is given: the scores must then be at chance); returns its name."""
    name = DATASET if shuffle_seed is None else f"{DATASET}-shuffled{shuffle_seed}"

    class Bench(ABIDE):
        def __init__(self, path=None):
            super().__init__([Path(f) for f in folders] if path is None else path)

        def load(self, subjects=None, paradigm=None, **kwargs):
            with warnings.catch_warnings():  # the zero-ROI subjects warning
                warnings.simplefilter("ignore", category=UserWarning)
                data = super().load(subjects, paradigm, **kwargs)
            if shuffle_seed is None:
                return data
            rng = np.random.default_rng(shuffle_seed)
            y = data.y.copy()
            for s in np.unique(data.site):
                idx = np.flatnonzero(data.site == s)
                y[idx] = rng.permutation(y[idx])
            return type(data)(**{**data, "y": y})

    Bench.name, Bench.folder = name, ""  # not one sample folder
    Bench.description = f"ABIDE over {[str(f) for f in folders]} (benchmarks/bench_fmri.py)"
    if name in dataset_names():
        unregister_dataset(name)
    register_dataset(Bench)
    return name


def run(
    dataset,
    configs,
    protocols,
    resume,
    out=OUT,
    report_only=False,
    fold_seed=RANDOM_STATE,
):
    """Per-fold results of every pipeline x protocol, one task each in the store ``out``.

    ``fold_seed`` seeds the stratified folds (leave-site-out has no randomness); a seed other
    than the default has its own store, ``out/seed<K>``. The wall time and peak memory of
    each task computed are kept in ``out/timings.csv`` (for the table; not for resuming).
    """
    if fold_seed != RANDOM_STATE:
        out = out / f"seed{fold_seed}"
    store = TaskStore(out)
    timings_path = out / "timings.csv"
    timings = (
        read_results(timings_path).set_index("key")
        if timings_path.is_file()
        else pd.DataFrame(columns=["wall", "peak_mb"])
    )
    frames = []
    for config in configs:
        for protocol in protocols:
            task = BenchmarkTask(dataset, "fmri", protocol, "all", config["name"], config["source"])
            computed = False
            if report_only:
                res = store.read([task])
                if res.empty:
                    print(f"{config['name']:32s} {protocol:18s} not run", flush=True)
                    continue
            else:
                start = time.perf_counter()
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore", category=UserWarning)
                    res, failures = run_tasks(
                        [task], store, random_state=fold_seed, resume=resume, progress=False
                    )
                if not failures.empty:
                    raise SystemExit(f"{task.key} failed: {failures['error'].iloc[0]}")
                computed = res.attrs["resume"] is None or res.attrs["resume"].recomputed > 0
                if computed:
                    timings.loc[task.key] = [time.perf_counter() - start, _peak_mb()]
                    write_csv_atomic(timings.rename_axis("key").reset_index(), timings_path)
            wall, peak = timings.loc[task.key] if task.key in timings.index else (np.nan,) * 2
            res = res.assign(
                time=res["time"] + res["predict_time"],  # fit + predict CPU seconds
                wall=wall,
                peak_mb=peak,
            )
            frames.append(res)
            if computed:
                print(
                    f"{config['name']:32s} {protocol:18s} {res['score'].mean():.3f} (chance "
                    f"{res['chance'].mean():.3f}) {wall:.0f} s",
                    flush=True,
                )
    if not frames:
        raise SystemExit(f"No results in {out} for {[c['name'] for c in configs]}")
    return pd.concat(frames, ignore_index=True)


def markdown(results, data, command, wall, load_s, report_only=False):
    summary = summarize_fmri(results)
    lines = [
        f"Command: `{command}` ({time.strftime('%Y-%m-%d')}, {os.cpu_count()} CPUs, load "
        f"average {os.getloadavg()[0]:.1f} at the end).",
        "",
        f"{len(data.y)} subjects ({int(data.y.sum())} ASD), {len(set(data.site))} sites; "
        f"loading took {load_s:.0f} s. Accuracy: mean ± sd over folds (leave-site-out: "
        f"{len(set(data.site))} held-out sites, each weighted equally), pooled over all test "
        f"subjects, and "
        f"chance (training-majority accuracy, pooled).",
        "",
        "| pipeline | leave-site-out mean ± sd | pooled | chance | 10-fold mean ± sd | "
        "chance | fold time (s) | peak memory (MB) |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for name in dict.fromkeys(summary["pipeline"]):
        rows = summary[summary["pipeline"] == name].set_index("evaluation")
        peak = results.loc[results["pipeline"] == name, "peak_mb"].max()
        cells = []
        for protocol in PROTOCOLS:
            if protocol in rows.index:
                r = rows.loc[protocol]
                cells.append(f"{r.score_mean:.3f} ± {r.score_std:.3f}")
                if protocol == "leave-site-out":
                    cells.append(f"{r.pooled:.3f}")
                cells.append(f"{r.chance:.3f}")
            else:
                cells += ["-", "-", "-"] if protocol == "leave-site-out" else ["-", "-"]
        total = rows["time"].sum()
        lines.append(f"| {name} | " + " | ".join(cells) + f" | {total:.0f} | {peak:.0f} |")
    if report_only:
        lines += [
            "",
            f"Tables read from the per-pipeline CSVs ({results['time'].sum() / 3600:.1f} h of "
            f"fold time in all, each pipeline timed in its own run; peak memory is that of the "
            f"process that ran it).",
        ]
    else:
        lines += ["", f"Total wall time {wall / 60:.1f} min (this run)."]
    loso = results[results["evaluation"] == "leave-site-out"]
    if not loso.empty:
        table = loso.pivot_table(index="session", columns="pipeline", values="score")
        chance = loso.groupby("session")["chance"].first()
        n = loso.groupby("session")["samples"].first()
        lines += [
            "",
            "Leave-one-site-out accuracy per held-out site:",
            "",
            "| site | n | chance | " + " | ".join(table.columns) + " |",
            "|---|---|---|" + "---|" * len(table.columns),
        ]
        for site_name, row in table.iterrows():
            lines.append(
                f"| {site_name} | {n[site_name]} | {chance[site_name]:.3f} | "
                + " | ".join(f"{v:.3f}" for v in row)
                + " |"
            )
    return "\n".join(lines)


def repeated_table(results_by_seed):
    """Markdown table: 10-fold mean accuracy of each pipeline for each fold seed.

    Parameters
    ----------
    results_by_seed : dict of int to DataFrame
        Per-fold results of the stratified protocol, one frame per fold seed.

    Returns
    -------
    str
        One row per pipeline: the mean over folds for every seed, then the mean over seeds
        with its standard error (sd over seeds / sqrt(number of seeds)).
    """
    seeds = sorted(results_by_seed)
    means = pd.DataFrame(
        {seed: frame.groupby("pipeline")["score"].mean() for seed, frame in results_by_seed.items()}
    )[seeds]
    lines = [
        "| pipeline | " + " | ".join(f"seed {s}" for s in seeds) + " | mean ± SE over seeds |",
        "|---|" + "---|" * len(seeds) + "---|",
    ]
    for name, row in means.iterrows():
        se = row.std(ddof=1) / np.sqrt(len(row)) if len(row) > 1 else float("nan")
        cells = " | ".join(f"{v:.3f}" for v in row)
        lines.append(f"| {name} | {cells} | {row.mean():.3f} ± {se:.3f} |")
    return "\n".join(lines)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", nargs="+", default=[str(DEFAULT_PATH), str(MORE)])
    parser.add_argument("--pipelines", default=str(REPO / "pipelines" / "fmri"))
    parser.add_argument("--only", nargs="*", default=None, help="pipeline names to run")
    parser.add_argument("--protocols", nargs="+", default=list(PROTOCOLS))
    parser.add_argument("--out", default=str(OUT), help="folder of the task store")
    parser.add_argument(
        "--resume", action="store_true", help="reuse the stored tasks whose fingerprint matches"
    )
    parser.add_argument(
        "--report-only", action="store_true", help="tables from the task store, run nothing"
    )
    parser.add_argument(
        "--shuffled", type=int, default=None, help="seed: permute labels within sites"
    )
    parser.add_argument("--doc", action="store_true", help="write the tables into docs/fmri.md")
    parser.add_argument(
        "--fold-seeds",
        type=int,
        nargs="+",
        default=None,
        help="repeated 10-fold: run the stratified protocol with these fold seeds and print "
        "the mean over seeds (no --doc table)",
    )
    args = parser.parse_args(argv)

    start = time.perf_counter()
    dataset = register(args.data, args.shuffled)
    data = load_epochs(dataset, "fmri", None)  # the tasks find it in the epoch cache
    load_s = time.perf_counter() - start
    configs = load_pipelines(args.pipelines, include_slow=True)
    configs = [c for c in configs if "fmri" in c["paradigms"]]
    if args.only:  # in the order given
        by_name = {c["name"]: c for c in configs}
        unknown = sorted(set(args.only) - set(by_name))
        if unknown:
            raise SystemExit(f"Unknown pipeline(s) {unknown}; available: {sorted(by_name)}")
        configs = [by_name[name] for name in args.only]
    print(f"{len(data.y)} subjects, {len(set(data.site))} sites, {len(configs)} pipelines")
    if args.fold_seeds:
        by_seed = {
            seed: run(
                dataset,
                configs,
                ["stratified-10fold"],
                args.resume,
                Path(args.out),
                args.report_only,
                fold_seed=seed,
            )
            for seed in args.fold_seeds
        }
        print(repeated_table(by_seed))
        return
    results = run(
        dataset,
        configs,
        args.protocols,
        args.resume,
        Path(args.out),
        args.report_only,
    )
    wall = time.perf_counter() - start
    command = "python benchmarks/bench_fmri.py " + " ".join(argv or sys.argv[1:])
    table = markdown(results, data, command.strip(), wall, load_s, args.report_only)
    print(table)
    print(f"\npeak memory {_peak_mb():.0f} MB, wall {wall:.0f} s")
    if args.doc:
        text = DOC.read_text()
        block = f"{START}\n{table}\n{END}"
        if START in text:
            text = re.sub(
                re.escape(START) + ".*?" + re.escape(END), lambda _: block, text, flags=re.S
            )
        else:
            text += f"\n{block}\n"
        DOC.write_text(text)
        print(f"written to {DOC}")


if __name__ == "__main__":
    main()
