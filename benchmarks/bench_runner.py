"""Wall time of the default EEG benchmark: serial vs joblib (--n-jobs 2) vs Dask (--dask local).

Each backend runs the same tasks (every non-slow pipeline in pipelines/ on every bundled EEG
dataset, within-session 5-fold) into its own fresh output folder; the scores are checked to be
identical, and the times are reported as ratios to the serial run measured in the same run.

Run: .venv/bin/python benchmarks/bench_runner.py [--output docs/runner_benchmark.md]
"""

import argparse
import tempfile
import time

import pandas as pd

from neuropipe.benchmark import dask_client, run_benchmark

KEYS = ["dataset", "subject", "session", "pipeline"]


def _timed(**kwargs):
    start = time.perf_counter()
    results = run_benchmark("pipelines", output=tempfile.mkdtemp(), progress=False, **kwargs)
    return time.perf_counter() - start, results.sort_values(KEYS).reset_index(drop=True)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--output", help="write the markdown table here")
    args = parser.parse_args()
    serial_time, serial = _timed()
    joblib_time, joblib = _timed(n_jobs=2)
    start = time.perf_counter()
    with dask_client("local", n_workers=2) as client:
        startup = time.perf_counter() - start
        dask_time, dask = _timed(scheduler=client)
    rows = []
    for name, seconds, results in [
        ("serial", serial_time, serial),
        ("--n-jobs 2 (joblib)", joblib_time, joblib),
        ("--dask local (2 workers)", dask_time, dask),
    ]:
        same = results[KEYS + ["score"]].equals(serial[KEYS + ["score"]])
        rows.append(
            {"backend": name, "wall_s": round(seconds, 1),
             "ratio_to_serial": round(seconds / serial_time, 2),
             "tasks_rows": len(results), "scores_identical": same}
        )
    table = pd.DataFrame(rows)
    print(table.to_string(index=False))
    print(f"(Dask LocalCluster start-up, not included above: {startup:.1f} s)")
    if args.output:
        with open(args.output, "w") as out:
            out.write("# Benchmark runner: serial vs joblib vs Dask\n\n")
            out.write("Command: `.venv/bin/python benchmarks/bench_runner.py --output "
                      f"{args.output}` on the 2-core development machine.\n\n")
            out.write("Every non-slow pipeline of `pipelines/` on every bundled EEG dataset, "
                      "within-session 5-fold (the EEG part of `make demo`).\n\n")
            out.write("```\n" + table.to_string(index=False) + "\n```\n\n")
            out.write(f"Dask LocalCluster start-up (not included): {startup:.1f} s.\n")


if __name__ == "__main__":
    main()
