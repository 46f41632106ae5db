"""The README's TS+LR ``cross_val_score`` on a busy machine, with and without a thread limit.

Starts one CPU-bound process (``python -c 'while True: pass'``) to stand for the other
work of a shared machine, then runs the README quick tour's TS+LR 5-fold
``cross_val_score`` (EEGMMIDB S001) in fresh child processes, alternately:

- ``default``: OMP_NUM_THREADS, OPENBLAS_NUM_THREADS, MKL_NUM_THREADS and
  NEUROPIPE_THREADS unset, BLAS with its default threads (one per core);
- ``limited``: the same environment, the call inside
  ``neuropipe._threads.limit_threads(blas_threads())`` (one thread, as the CLI, the
  runner's workers and the test suite now run).

Wall and CPU seconds (user + system of the child) per run, and the ratio of the medians.
Command (docs/performance.md, "A shared machine")::

    .venv/bin/python benchmarks/bench_shared_machine.py --repeats 2
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import time

SNIPPET = """
import sys
from sklearn.model_selection import cross_val_score
from neuropipe.datasets import load_dataset
from neuropipe.benchmark.pipeline_files import load_pipeline_file
from neuropipe._threads import blas_threads, limit_threads

epochs = load_dataset("eegmmidb-leftright", subjects=[1])
pipeline = load_pipeline_file("pipelines/ts_lr.py")[0]["pipeline"]
threads = blas_threads() if sys.argv[1] == "limited" else None
with limit_threads(threads):
    print(cross_val_score(pipeline, epochs.X, epochs.y, cv=5, scoring="roc_auc").mean())
"""

ENV_NAMES = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "NEUROPIPE_THREADS")


def run_once(mode: str, timeout: float) -> tuple[float, float, str]:
    """(wall s, CPU s, printed score) of one child process in ``mode``."""
    env = {k: v for k, v in os.environ.items() if k not in ENV_NAMES}
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    out = subprocess.run(
        [sys.executable, "-c", SNIPPET, mode],
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    if out.returncode:
        raise RuntimeError(f"the {mode} run failed:\n{out.stderr}")
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu, out.stdout.strip().splitlines()[-1]


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=2)
    parser.add_argument("--timeout", type=float, default=600.0)
    args = parser.parse_args(argv)
    busy = subprocess.Popen([sys.executable, "-c", "while True: pass"])
    times = {"default": [], "limited": []}
    try:
        for _ in range(args.repeats):
            for mode in times:
                wall, cpu, score = run_once(mode, args.timeout)
                times[mode].append((wall, cpu))
                print(
                    f"{mode:8s} wall {wall:7.1f} s  CPU {cpu:7.1f} s  ROC-AUC {score}", flush=True
                )
    finally:
        busy.kill()
        busy.wait()
    med = {m: statistics.median(w for w, _ in v) for m, v in times.items()}
    print(
        f"median wall: default {med['default']:.1f} s, limited {med['limited']:.1f} s, "
        f"ratio {med['default'] / med['limited']:.1f}x (cores: {len(os.sched_getaffinity(0))})"
    )


if __name__ == "__main__":
    main()
