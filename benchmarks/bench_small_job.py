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
import resource
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


def _cpu_children():
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _timed(command, env):
    """Wall and CPU seconds (user + system) of ``command`` run as a child process."""
    start, start_cpu = time.perf_counter(), _cpu_children()
    done = subprocess.run(command, env=env, capture_output=True, text=True, cwd=ROOT)
    wall, cpu = time.perf_counter() - start, _cpu_children() - start_cpu
    if done.returncode:
        raise RuntimeError(f"{' '.join(map(str, command))} failed:\n{done.stderr[-3000:]}")
    return wall, cpu


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
    return _timed(command, env), pd.read_csv(out / "results.csv")


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
    return _timed(command, env), pd.read_csv(out)


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
    times = {"neuropipe": [], "MOABB": []}  # (wall, CPU) per repeat
    for _ in range(args.repeats):
        timing, moabb = run_moabb(args.subjects, env, root)
        times["MOABB"].append(timing)
        timing, ours = run_neuropipe(args.subjects, env)
        times["neuropipe"].append(timing)
    table, diff = compare(ours, moabb)
    print(table.round(4).to_string())
    print(
        f"\n{len(args.subjects)} subjects, CSP+LDA and TS+LR, whole processes, one BLAS "
        f"thread, best of {args.repeats}; scores equal (max |difference| {diff:.1g}); "
        f"load average {os.getloadavg()[0]:.1f}"
    )
    for i, kind in enumerate(("wall", "CPU")):
        best = {k: min(t[i] for t in v) for k, v in times.items()}
        runs = "; ".join(f"{k} {', '.join(f'{t[i]:.1f}' for t in v)}" for k, v in times.items())
        print(
            f"{kind}: MOABB {best['MOABB']:.1f} s, neuropipe {best['neuropipe']:.1f} s, "
            f"ratio {best['MOABB'] / best['neuropipe']:.2f}x (every repeat: {runs})"
        )


if __name__ == "__main__":
    main()
