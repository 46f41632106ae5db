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

``--phases`` then splits each side's CPU time: start-up and imports (neuropipe: the command
line, its parser and the two pipeline files; MOABB: the script's imports), loading the 3
subjects' epochs (each measured in a process of its own that stops there), the 30 folds
(neuropipe: the per-fold CPU seconds of ``results.csv``, fit and scoring; MOABB: in the rest)
and the rest (the best total minus those). ``--profile`` runs each side once more under :mod:`cProfile` and
prints the profiled seconds of the folds and, inside them, of the Riemannian means of the
tangent spaces and of the CSP fits (the profiler adds its own overhead to every call).
``--floor`` measures the work both sides must do whatever their own code costs, and sets it
against what a 2x ratio leaves neuropipe (half MOABB's best CPU time): in fresh processes
(best of ``--repeats``), Python with only the third-party imports the job needs, the loading
of the epochs, and the 15 TS+LR folds computed by pyRiemann and scikit-learn alone
(:data:`FLOOR`).

Usage (from the repository root)::

    OMP_NUM_THREADS=1 .venv/bin/python benchmarks/bench_small_job.py --repeats 3 [--phases] [--profile] [--floor]
"""

from __future__ import annotations

import argparse
import json
import os
import pstats
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
N_SPLITS = 5  # neuropipe benchmark's default --n-splits, as MOABB's within-session 5 folds
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


def run_neuropipe(subjects, env, profile=None):
    out = Path(tempfile.mkdtemp(prefix="bench-small-ours-"))
    start = [BIN / "neuropipe"] if profile is None else _profiled(profile, "-m", "neuropipe.cli")
    command = [
        *start,
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


def run_moabb(subjects, env, root, profile=None):
    out = Path(tempfile.mkdtemp(prefix="bench-small-moabb-")) / "scores.csv"
    script = ROOT / "benchmarks" / "moabb_small_job.py"
    command = [
        *([sys.executable, script] if profile is None else _profiled(profile, script)),
        "--subjects",
        *map(str, subjects),
        "--root",
        root,
        "--output",
        out,
    ]
    return _timed(command, env), pd.read_csv(out)


def _profiled(output, *target):
    return [sys.executable, "-m", "cProfile", "-o", output, *target]


#: Phases of a profiled run: name -> (end of the file path, function name) of the functions
#: whose cumulative time it is, for neuropipe and for MOABB.
PHASES = {
    "loading the epochs": [
        ("neuropipe/io/eeg.py", "read_epochs"),
        ("moabb/evaluations/base.py", "_load_data"),
    ],
    "30 folds": [
        ("neuropipe/evaluation/protocols.py", "evaluate_folds"),
        ("moabb/evaluations/base.py", "_evaluate_fold"),
    ],
    "  Riemannian means (TS+LR)": [("pyriemann/geometry/mean.py", "mean_riemann")],
    "  CSP fits": [
        ("neuropipe/features/spatial.py", "fit"),
        ("mne/decoding/csp.py", "fit"),
    ],
}


def phases(path):
    """Profiled seconds of each of :data:`PHASES` and in all, from a cProfile output."""
    stats = pstats.Stats(str(path)).stats
    found = {"total": max(entry[3] for entry in stats.values())}
    for phase, functions in PHASES.items():
        found[phase] = sum(
            entry[3]
            for (file, _, name), entry in stats.items()
            if any(file.endswith(end) and name == function for end, function in functions)
        )
    return found


#: The start of a ``neuropipe benchmark`` process up to its first task (command line, parser,
#: pipeline files), then the loading of the subjects' epochs, as CPU seconds (JSON).
NEUROPIPE_PHASES = """
import json, resource, sys
def cpu():
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime
from neuropipe import cli
from neuropipe.benchmark.pipeline_files import load_pipeline_file
cli.build_parser()
for path in ("pipelines/csp_lda.py", "pipelines/ts_lr.py"):
    load_pipeline_file(path)
imported = cpu()
from neuropipe.datasets import get_dataset
for subject in map(int, sys.argv[2:]):
    get_dataset("eegmmidb-leftright").load(subjects=[subject])
with open(sys.argv[1], "w") as file:
    json.dump({"imports": imported, "loading": cpu() - imported}, file)
"""


def split_phases(subjects, env, root, best, ours):
    """CPU seconds of start-up and imports, loading, folds and the rest, for each side."""
    out = Path(tempfile.mkdtemp(prefix="bench-small-phases-"))
    command = [sys.executable, "-c", NEUROPIPE_PHASES, out / "ours.json", *map(str, subjects)]
    subprocess.run(command, env=env, check=True, cwd=ROOT)
    script = ROOT / "benchmarks" / "moabb_small_job.py"
    command = [sys.executable, script, "--root", root, "--output", out / "moabb.json"]
    command += ["--phases", "--subjects", *map(str, subjects)]
    subprocess.run(command, env=env, check=True, cwd=ROOT)
    table = {}
    for side, name in (("neuropipe", "ours.json"), ("MOABB", "moabb.json")):
        phases = json.loads((out / name).read_text())
        if side == "neuropipe":
            per_fold = ours["time"] + ours["predict_time"]  # means over the 5 folds of a row
            phases["30 folds"] = float(N_SPLITS * per_fold.sum())
        phases["rest"] = best[side] - sum(phases.values())
        phases["total (best run)"] = best[side]
        table[side] = phases
    return pd.DataFrame(table)[["MOABB", "neuropipe"]]


#: The work both sides must do, in one process, as CPU seconds (JSON): Python and the
#: third-party imports the job needs; loading the subjects' epochs (MNE reads, filters and
#: epochs them; neuropipe's loader adds its checks of the loaded data); the TS+LR folds with
#: pyRiemann and scikit-learn alone (each epoch's OAS covariance computed once, as neuropipe
#: does; per fold the tangent space and logistic regression fitted on the training
#: covariances and the test fold's decision values; the within-session splitter's folds,
#: ``StratifiedKFold(5, shuffle=True, random_state=42)`` per subject), and, of those folds,
#: pyRiemann's Riemannian means alone.
FLOOR = """
import json, resource, sys, time
import numpy as np, pandas, scipy.signal, scipy.stats, mne, mne.io
import sklearn.discriminant_analysis, sklearn.metrics
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import StratifiedKFold
from sklearn.pipeline import make_pipeline
from pyriemann.estimation import Covariances
from pyriemann.geometry.mean import mean_riemann
from pyriemann.tangentspace import TangentSpace
def cpu():
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime
found = {"imports": cpu()}
from neuropipe.datasets import get_dataset
loaded = [get_dataset("eegmmidb-leftright").load(subjects=[s]) for s in map(int, sys.argv[2:])]
found["loading"] = cpu() - found["imports"]
found["folds"] = found["means"] = 0.0
for data in loaded:
    start = time.process_time()
    covs = Covariances("oas").transform(np.asarray(data.X))
    found["folds"] += time.process_time() - start
    for train, test in StratifiedKFold(5, shuffle=True, random_state=42).split(covs, data.y):
        start = time.process_time()
        ts_lr = make_pipeline(TangentSpace(metric="riemann"), LogisticRegression(max_iter=1000))
        ts_lr.fit(covs[train], data.y[train]).decision_function(covs[test])
        found["folds"] += time.process_time() - start
        start = time.process_time()
        mean_riemann(covs[train])
        found["means"] += time.process_time() - start
with open(sys.argv[1], "w") as file:
    json.dump(found, file)
"""


def floor(subjects, env, repeats, best_moabb):
    """CPU seconds of the work both sides share (:data:`FLOOR`, best of ``repeats``
    processes for each part), against half MOABB's best time."""
    out = Path(tempfile.mkdtemp(prefix="bench-small-floor-"))
    runs = []
    for repeat in range(repeats):
        path = out / f"{repeat}.json"
        command = [sys.executable, "-c", FLOOR, path, *map(str, subjects)]
        subprocess.run(command, env=env, check=True, cwd=ROOT)
        runs.append(json.loads(path.read_text()))
    best = pd.DataFrame(runs).min()
    n_folds = N_SPLITS * len(subjects)
    rows = {
        "Python and the third-party imports the job needs": best["imports"],
        "loading the epochs (MNE, through neuropipe's loader)": best["loading"],
        f"the {n_folds} TS+LR folds (pyRiemann and scikit-learn alone)": best["folds"],
    }
    rows["floor: their sum (CSP+LDA not counted)"] = sum(rows.values())
    rows["what a 2x ratio leaves neuropipe: MOABB's best / 2"] = best_moabb / 2
    rows[f"of the folds: the {n_folds} Riemannian means"] = best["means"]
    return pd.Series(rows, name="CPU s")


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
    parser.add_argument("--phases", action="store_true", help="CPU seconds of each phase")
    parser.add_argument("--profile", action="store_true", help="profiled seconds in the folds")
    parser.add_argument(
        "--floor", action="store_true", help="the work both sides share, against 2x"
    )
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
    best_cpu = {k: min(t[1] for t in v) for k, v in times.items()}
    if args.phases:
        table = split_phases(args.subjects, env, root, best_cpu, ours)
        print(f"\nCPU seconds by phase (load average {os.getloadavg()[0]:.1f}):")
        print(table.round(2).to_string(na_rep="-"))
    if args.floor:
        print(f"\nThe work both sides share (load average {os.getloadavg()[0]:.1f}):")
        print(floor(args.subjects, env, args.repeats, best_cpu["MOABB"]).round(2).to_string())
    if args.profile:
        folder = Path(tempfile.mkdtemp(prefix="bench-small-profile-"))
        run_moabb(args.subjects, env, root, profile=folder / "moabb.prof")
        run_neuropipe(args.subjects, env, profile=folder / "neuropipe.prof")
        table = pd.DataFrame(
            {side: phases(folder / f"{side.lower()}.prof") for side in ("MOABB", "neuropipe")}
        )
        print(
            f"\nProfiled seconds (cProfile, one run each; load average {os.getloadavg()[0]:.1f}):"
        )
        print(table.round(2).to_string())


if __name__ == "__main__":
    main()
