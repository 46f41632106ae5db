"""ABIDE at scale: every pipelines/fmri file on 802 subjects, leave-one-site-out and 10-fold.

Reads the bundled 249 subjects (NYU, KKI, OHSU) plus the 553 subjects of 14 further sites in
``../shared/data/abide-pcp-cc200-more`` (benchmark data, never copied into the package), runs
every pipeline file of ``pipelines/fmri`` (slow ones included) under leave-one-site-out over
the 17 sites and stratified (site x label) 10-fold CV, and prints the accuracy with its
chance level (training-majority accuracy on each test fold), a per-site table, the wall time
and the peak memory. With ``--doc`` it writes the tables into ``docs/fmri.md``.

Command (about an hour on the shared 2-core machine; per-pipeline results are kept in
``results/bench_fmri/`` and ``--resume`` continues an interrupted run)::

    OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 nice -n 5 .venv/bin/python benchmarks/bench_fmri.py --doc

Repeated 10-fold (how much the 10-fold figure moves with the split alone; the docs' table
keeps seed 0)::

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

from neuropipe.benchmark.pipeline_files import load_pipelines
from neuropipe.datasets.abide import DEFAULT_PATH, load_abide
from neuropipe.evaluation.fmri import RANDOM_STATE, evaluate_fmri_protocol, summarize_fmri
from neuropipe.features._subject_cache import subject_cache

REPO = Path(__file__).resolve().parents[1]
MORE = REPO.parent / "shared" / "data" / "abide-pcp-cc200-more"
DOC = REPO / "docs" / "fmri.md"
OUT = REPO / "results" / "bench_fmri"
PROTOCOLS = ("leave-site-out", "stratified-10fold")
START, END = "<!-- bench_fmri:start -->", "<!-- bench_fmri:end -->"


def _peak_mb():
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return max(own, children) / 1024.0  # kB on Linux


def run(
    data,
    configs,
    protocols,
    resume,
    shuffle_seed=None,
    out=OUT,
    report_only=False,
    fold_seed=RANDOM_STATE,
):
    """Per-fold results of every pipeline x protocol, one CSV per pair in ``out``.

    ``fold_seed`` seeds the stratified folds (leave-site-out has no randomness); results of
    a seed other than the default are kept in files tagged ``__seed<K>``.
    """
    out.mkdir(parents=True, exist_ok=True)
    y = data.y
    tag = "" if fold_seed == RANDOM_STATE else f"__seed{fold_seed}"
    if shuffle_seed is not None:  # labels permuted within each site: the score must be chance
        rng = np.random.default_rng(shuffle_seed)
        y = y.copy()
        for s in np.unique(data.site):
            idx = np.flatnonzero(data.site == s)
            y[idx] = rng.permutation(y[idx])
        tag += "__shuffled"
    dataset = type(data)(**{**data, "y": y})
    frames = []
    for config in configs:
        for protocol in protocols:
            path = out / f"{config['name']}__{protocol}{tag}.csv"
            if (resume or report_only) and path.is_file():
                frames.append(pd.read_csv(path))
                continue
            if report_only:
                print(f"{config['name']:32s} {protocol:18s} not run", flush=True)
                continue
            start = time.perf_counter()
            # the per-subject cache (2 GB) is on, as in the benchmark runner
            with warnings.catch_warnings(), subject_cache(2048):
                warnings.simplefilter("ignore", category=UserWarning)
                res = evaluate_fmri_protocol(
                    {config["name"]: config["pipeline"]},
                    dataset,
                    protocol,
                    random_state=fold_seed,
                )
            res["time"] = res["time"] + res["predict_time"]  # fit + predict CPU seconds
            res["wall"] = time.perf_counter() - start
            res["peak_mb"] = _peak_mb()
            res.to_csv(path, index=False)
            frames.append(res)
            acc = res["score"].mean()
            print(
                f"{config['name']:32s} {protocol:18s} {acc:.3f} (chance "
                f"{res['chance'].mean():.3f}) {res['wall'].iloc[0]:.0f} s",
                flush=True,
            )
    if not frames:
        raise SystemExit(f"No results in {out} for {[c['name'] for c in configs]} {tag}")
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
    parser.add_argument("--out", default=str(OUT), help="folder of the per-pipeline CSVs")
    parser.add_argument("--resume", action="store_true", help="reuse the CSVs in --out")
    parser.add_argument(
        "--report-only", action="store_true", help="tables from the CSVs in --out, run nothing"
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
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", category=UserWarning)  # the zero-ROI subjects warning
        data = load_abide(args.data)
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
                data,
                configs,
                ["stratified-10fold"],
                args.resume,
                args.shuffled,
                Path(args.out),
                args.report_only,
                fold_seed=seed,
            )
            for seed in args.fold_seeds
        }
        print(repeated_table(by_seed))
        return
    results = run(
        data,
        configs,
        args.protocols,
        args.resume,
        args.shuffled,
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
