"""Small jobs: ``neuropipe benchmark`` against a MOABB script, both timed as whole processes.

CSP+LDA and TS+LR (``pipelines/csp_lda.py``, ``pipelines/ts_lr.py``), within-session
5-fold ROC-AUC on 3 bundled EEGMMIDB left/right subjects, one BLAS thread
(``OMP_NUM_THREADS=1``), each side a fresh process started by ``subprocess`` in the same
run, interleaved, best of ``--repeats``: what a user waits for, imports and data loading
included. The MOABB side is ``benchmarks/moabb_small_job.py`` (MOABB's
``WithinSessionEvaluation`` on its ``PhysionetMI``, offline on the bundled EDF files laid
out beforehand, outside the timing). neuropipe runs
``neuropipe benchmark --pipelines pipelines/csp_lda.py pipelines/ts_lr.py --datasets
eegmmidb-leftright --subjects 1 2 3 --no-report --no-leakage --no-progress --include-slow``
into a fresh output folder. Scores are asserted equal per subject and pipeline (MOABB stores float32).

Usage (from the repository root)::

    OMP_NUM_THREADS=1 .venv/bin/python benchmarks/bench_small_job.py --repeats 3
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pandas as pd

from neuropipe.datasets.moabb_bridge import install_eegbci_offline

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
THREADS = {k: "1" for k in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")}


def _timed(command, env):
    start = time.perf_counter()
    done = subprocess.run(command, env=env, capture_output=True, text=True, cwd=ROOT)
    wall = time.perf_counter() - start
    if done.returncode:
        raise RuntimeError(f"{' '.join(map(str, command))} failed:\n{done.stderr[-3000:]}")
    return wall


def run_neuropipe(subjects, env):
    out = Path(tempfile.mkdtemp(prefix="bench-small-ours-"))
    command = [
        BIN / "neuropipe",
        "benchmark",
        "--pipelines",
        "pipelines/csp_lda.py",
        "pipelines/ts_lr.py",
        "--datasets",
        "eegmmidb-leftright",
        "--subjects",
        *map(str, subjects),
        "--output",
        out,
        "--no-report",
        "--no-leakage",
        "--no-progress",
        "--include-slow",  # CSP+LDA may be an opt-in reference pipeline
        "-q",
    ]
    wall = _timed(command, env)
    return wall, pd.read_csv(out / "results.csv")


def run_moabb(subjects, env, root):
    out = Path(tempfile.mkdtemp(prefix="bench-small-moabb-")) / "scores.csv"
    command = [
        sys.executable,
        ROOT / "benchmarks" / "moabb_small_job.py",
        "--subjects",
        *map(str, subjects),
        "--root",
        root,
        "--output",
        out,
    ]
    wall = _timed(command, env)
    return wall, pd.read_csv(out)


def compare(ours, moabb):
    keys = ["subject", "pipeline"]
    table = ours.groupby(keys)["score"].mean().to_frame("neuropipe")
    table = table.join(moabb.groupby(keys)["score"].mean().to_frame("MOABB"), how="outer")
    diff = (table["neuropipe"] - table["MOABB"]).abs().max()
    if not diff < 1e-6:
        raise AssertionError(f"scores differ (max |difference| {diff}):\n{table}")
    return table, diff


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--subjects", type=int, nargs="+", default=[1, 2, 3])
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args(argv)
    root = Path(tempfile.mkdtemp(prefix="bench-small-mne-"))
    install_eegbci_offline(root, set_env=False)
    env = {**os.environ, **THREADS}
    walls = {"neuropipe": [], "MOABB": []}
    for _ in range(args.repeats):
        wall, moabb = run_moabb(args.subjects, env, root)
        walls["MOABB"].append(wall)
        wall, ours = run_neuropipe(args.subjects, env)
        walls["neuropipe"].append(wall)
    table, diff = compare(ours, moabb)
    best = {k: min(v) for k, v in walls.items()}
    print(table.round(4).to_string())
    print(
        f"\n{len(args.subjects)} subjects, CSP+LDA and TS+LR, whole processes, one BLAS "
        f"thread, best of {args.repeats} (all: "
        + "; ".join(f"{k} {', '.join(f'{w:.1f}' for w in v)} s" for k, v in walls.items())
        + f"); scores equal (max |difference| {diff:.1g})"
    )
    print(
        f"MOABB {best['MOABB']:.1f} s, neuropipe {best['neuropipe']:.1f} s: "
        f"ratio {best['MOABB'] / best['neuropipe']:.2f}x (load average "
        f"{os.getloadavg()[0]:.1f})"
    )


if __name__ == "__main__":
    main()
