"""Online decoding latency: per-decision cost of the sliding-window decoder, and an hour.

What ``neuropipe online`` does with each chunk of a stream (causal band-pass, window of the
calibration epochs' length, the model's ``predict`` and ``predict_proba``), timed without
the network: every pipeline is calibrated with :func:`neuropipe.clinical.fit_recording` on
EEGMMIDB subject 1, runs 4 and 8 (left/right hand imagery, T1/T2, 0.5-2.5 s epochs, 8-30
Hz, all 64 channels at 160 Hz), then its :func:`~neuropipe.online.live.model_decoder`
(2 s windows of 321 samples, a decision every 62.5 ms = 10 samples) receives the unseen run
12 chunk by chunk, one 10-sample chunk per step as a 160 Hz amplifier sending 16 chunks per
second delivers it, in microvolts. The latency of a decision is the time from the arrival
of the chunk that ends its window (``push`` called) to the decision (``push`` returned):
median and 99th percentile over the run's decisions.

"Keeps up" is then measured on an hour of real data replayed faster than real time: the
36 bundled EEGMMIDB runs (6 subjects x 6 runs, 43 minutes, concatenated in order and
again from the first until 60 minutes; one decoder, as if one stream) pushed chunk by chunk as fast as the decoder takes
them; the ratio of processing time to data duration must stay below 1 (0.1 means the
decoder uses a tenth of one core at this step). The decisions on subjects 2-6 use subject
1's model: only the time is of interest there.

Pipelines (``--pipelines``, files of ``pipelines/``): TS+LR (``ts_lr.py``), FgMDM
(``fgmdm.py``), the best spectral pipeline (``car_logbp_slda.py``) and ACM on the 21
sensorimotor channels (``acm_tgsp_svm_sm.py``). All on one BLAS thread.

Usage (from the repository root)::

    OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 MKL_NUM_THREADS=1 \\
        .venv/bin/python benchmarks/bench_online_latency.py
    .venv/bin/python benchmarks/bench_online_latency.py --hour-minutes 5   # shorter "hour"

Writes ``results/bench_online_latency.csv`` and prints the table of ``docs/performance.md``.
"""

from __future__ import annotations

import argparse
import itertools
import os
import platform
import time
import warnings
from pathlib import Path

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
from threadpoolctl import threadpool_limits  # noqa: E402

from neuropipe.clinical import fit_recording  # noqa: E402
from neuropipe.datasets import bundled_path  # noqa: E402
from neuropipe.io.eeg import read_raw, standardize_channel_names  # noqa: E402
from neuropipe.online.live import model_decoder  # noqa: E402

REPO = Path(__file__).resolve().parents[1]
DATA = bundled_path("eegmmidb")
PIPELINES = ["ts_lr.py", "fgmdm.py", "car_logbp_slda.py", "acm_tgsp_svm_sm.py"]
STEP = 0.0625


def _run_data(path, ch_names):
    raw = standardize_channel_names(read_raw(path))
    return raw.get_data(picks=list(ch_names)) * 1e6  # microvolts, as neuropipe online


def _push_timed(decoder, data, n_chunk):
    """Push ``data`` chunk by chunk.

    Returns the wall-clock and CPU latencies of the decisions (s, arrays) and the total
    wall-clock and CPU times (s).
    """
    wall, cpu = [], []
    start, start_cpu = time.perf_counter(), time.process_time()
    for i in range(0, data.shape[1], n_chunk):
        t0, c0 = time.perf_counter(), time.process_time()
        decisions = decoder.push(data[:, i : i + n_chunk])
        if len(decisions):
            wall.append(time.perf_counter() - t0)
            cpu.append(time.process_time() - c0)
    total = time.perf_counter() - start, time.process_time() - start_cpu
    return np.array(wall), np.array(cpu), *total


def main(argv=None) -> pd.DataFrame:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pipelines", nargs="+", default=PIPELINES)
    parser.add_argument("--hour-minutes", type=float, default=60.0)
    parser.add_argument("--hour-pipelines", nargs="+", default=["ts_lr.py"])
    parser.add_argument("--output", default="results/bench_online_latency.csv")
    args = parser.parse_args(argv)

    runs = sorted(DATA.glob("S00*/S00*R*.edf"))
    rows = []
    for file in args.pipelines:
        with warnings.catch_warnings(), threadpool_limits(1):
            warnings.simplefilter("ignore")
            t0 = time.perf_counter()
            model = fit_recording(
                REPO / "pipelines" / file,
                [DATA / "S001" / "S001R04.edf", DATA / "S001" / "S001R08.edf"],
                {"T1": "left", "T2": "right"},
                tmin=0.5,
                tmax=2.5,
                l_freq=8.0,
                h_freq=30.0,
            )
            fit_s = time.perf_counter() - t0
            decoder = model_decoder(model, STEP)
            run12 = _run_data(DATA / "S001" / "S001R12.edf", model.ch_names)
            wall, cpu, total, total_cpu = _push_timed(decoder, run12, decoder.n_step)
            run12_s = run12.shape[1] / model.sfreq
            row = {
                "pipeline": model.pipeline_name,
                "file": file,
                "fit_s": fit_s,
                "n_decisions": len(wall),
                "latency_median_ms": 1e3 * np.median(wall),
                "latency_p99_ms": 1e3 * np.percentile(wall, 99),
                "latency_max_ms": 1e3 * wall.max(),
                "cpu_median_ms": 1e3 * np.median(cpu),
                "cpu_p99_ms": 1e3 * np.percentile(cpu, 99),
                "run12_ratio": total / run12_s,
                "run12_cpu_ratio": total_cpu / run12_s,
            }
            if file in args.hour_pipelines:
                n_hour = round(args.hour_minutes * 60 * model.sfreq)
                decoder.reset()
                hour_s = hour_cpu = pushed = 0
                for path in itertools.cycle(runs):
                    data = _run_data(path, model.ch_names)[:, : n_hour - pushed]
                    _, _, seconds, cpu_seconds = _push_timed(decoder, data, decoder.n_step)
                    hour_s, hour_cpu = hour_s + seconds, hour_cpu + cpu_seconds
                    pushed += data.shape[1]
                    if pushed >= n_hour:
                        break
                data_s = pushed / model.sfreq
                row.update(
                    hour_data_min=data_s / 60,
                    hour_processing_s=hour_s,
                    hour_ratio=hour_s / data_s,
                    hour_cpu_ratio=hour_cpu / data_s,
                )
        rows.append(row)
        print(
            f"{row['pipeline']:<34} median {row['latency_median_ms']:6.2f} ms  p99 "
            f"{row['latency_p99_ms']:6.2f} ms  (CPU {row['cpu_median_ms']:.2f} / "
            f"{row['cpu_p99_ms']:.2f} ms)  run 12 ratio {row['run12_ratio']:.3f}"
            + (
                f"  {row['hour_data_min']:.0f} min of data in {row['hour_processing_s']:.0f} s"
                f" (ratio {row['hour_ratio']:.3f})"
                if "hour_ratio" in row
                else ""
            ),
            flush=True,
        )
    table = pd.DataFrame(rows)
    Path(args.output).parent.mkdir(parents=True, exist_ok=True)
    table.to_csv(args.output, index=False)
    print(f"\n{platform.processor() or platform.machine()}, {os.cpu_count()} cores, 1 thread")
    print(
        "| Pipeline | Latency median | Latency p99 | CPU per decision, median (p99) "
        "| Processing / data time, run 12 |"
    )
    print("|---|---|---|---|---|")
    for row in rows:
        print(
            f"| {row['pipeline']} (`{row['file']}`) | {row['latency_median_ms']:.1f} ms | "
            f"{row['latency_p99_ms']:.1f} ms | {row['cpu_median_ms']:.1f} ms "
            f"({row['cpu_p99_ms']:.1f} ms) | {row['run12_ratio']:.3f} |"
        )
    for row in rows:
        if "hour_ratio" in row:
            print(
                f"\n{row['pipeline']}: {row['hour_data_min']:.0f} min of data decoded in "
                f"{row['hour_processing_s']:.0f} s: processing / data time "
                f"{row['hour_ratio']:.3f} (CPU {row['hour_cpu_ratio']:.3f})"
            )
    return table


if __name__ == "__main__":
    main()
