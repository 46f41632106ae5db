"""Connectivity: speed against mne_connectivity at equal values, and peak memory.

Speed. Node strength from EEGMMIDB left/right imagery, 45 epochs x 3 s (480 samples at
160 Hz, 1-4 s after the cue as HappyFeat epochs them), no band-pass: the 64 channels of
subject 1, and 128 channels (subject 1's 64 next to subject 2's 64, epoch for epoch; real
EEG, not a real montage). Each epoch is cut into 0.25 s Hann windows every 0.161 s
(HappyFeat); 8-30 Hz at the windows' native 4 Hz resolution (mne_connectivity does not
zero-pad).

Reference: for every epoch, ``mne_connectivity.spectral_connectivity_epochs(windows,
method=metric, mode="fourier")`` with that epoch's windows as its "epochs", then node
strength from the dense matrices. Ours: ``spectral_connectivity`` on all epochs at once,
then ``node_strength``. Both are timed in this run; values must agree to 1e-10.

Memory. Default ``Connectivity(sfreq)`` (abs_imcoh, 1 Hz bins up to Nyquist) on N x 128
x 2000 random epochs at 500 Hz and at 160 Hz, each in a fresh subprocess:
``tracemalloc``'s peak during ``transform`` (numpy's allocations) and the process's
``ru_maxrss`` (everything, including Python and the libraries), against the bound
``2 x input + output``.

Times are CPU times of the process (``time.process_time``), best of several runs: run with
one BLAS thread (``OPENBLAS_NUM_THREADS=1``), as below, so that CPU time is the work done.

Run: OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 .venv/bin/python benchmarks/bench_connectivity.py
     [--metrics abs_imcoh coh ...] [--channels 64 128] [--repeat 5] [--ref-repeat 2]
     [--memory-epochs 100] [--skip-speed] [--update-docs]
"""

import argparse
import json
import os
import re
import resource
import subprocess
import sys
import time
import warnings
from pathlib import Path

import numpy as np

from neuropipe.features.connectivity import (
    _MIN_BLOCK_BYTES,
    METRICS,
    node_strength,
    spectral_connectivity,
)

SFREQ = 160.0
N_WINDOW, N_STEP = 40, 26  # 0.25 s, 0.161 s
FMIN, FMAX = 8.0, 30.0
DOC = Path(__file__).resolve().parents[1] / "docs" / "spectral.md"


def ours(X, metric):
    con, _ = spectral_connectivity(
        X,
        SFREQ,
        metric=metric,
        fmin=FMIN,
        fmax=FMAX,
        fres=SFREQ / N_WINDOW,
        window=0.25,
        step=0.161,
    )
    return node_strength(con)


def reference(X, metric):
    from mne_connectivity import spectral_connectivity_epochs
    from tqdm import tqdm

    method = "imcoh" if metric == "abs_imcoh" else metric
    n = X.shape[1]
    sign = -1.0 if metric == "imcoh" else 1.0  # imcoh is antisymmetric
    strengths = []
    for epoch in tqdm(X, desc=f"mne_connectivity {metric}", leave=False):
        windows = np.lib.stride_tricks.sliding_window_view(epoch, N_WINDOW, axis=-1)
        windows = windows[:, ::N_STEP].transpose(1, 0, 2)
        res = spectral_connectivity_epochs(
            windows, method=method, mode="fourier", sfreq=SFREQ, fmin=FMIN, fmax=FMAX, verbose=False
        )
        full = res.get_data(output="dense").transpose(2, 0, 1)  # lower triangle filled
        if metric == "abs_imcoh":
            full = np.abs(full)
        full = full + sign * full.transpose(0, 2, 1)
        strengths.append(full.sum(axis=-1).T / n)
    return np.stack(strengths)


def timed(fn, repeat):
    """Best CPU time of the process over ``repeat`` runs (single-threaded BLAS: the
    machine is shared, and CPU time does not count the time other processes hold it)."""
    best, out = np.inf, None
    for _ in range(repeat):
        start = time.process_time()
        out = fn()
        best = min(best, time.process_time() - start)
    return best, out


def command_line():
    script = Path(sys.argv[0]).resolve().relative_to(DOC.parents[1])
    threads = [
        f"{name}={os.environ[name]}"
        for name in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")
        if name in os.environ
    ]
    return " ".join([*threads, "nice -n 10 .venv/bin/python", str(script), *sys.argv[1:]])


def write_doc_section(key, body):
    text = DOC.read_text()
    start, end = f"<!-- {key}:start -->", f"<!-- {key}:end -->"
    pattern = re.compile(re.escape(start) + ".*?" + re.escape(end), flags=re.S)
    if not pattern.search(text):
        raise ValueError(f"{DOC} has no {start} ... {end} section to update.")
    DOC.write_text(pattern.sub(lambda _: f"{start}\n{body.strip()}\n{end}", text))


def load_epochs(n_channels):
    """45 epochs of subject 1 (64 channels), or subjects 1 and 2 side by side (128)."""
    import mne

    from neuropipe.datasets import load_dataset

    mne.set_log_level("ERROR")
    window = dict(tmin=1.0, tmax=4.0 - 1 / SFREQ, l_freq=None, h_freq=None)
    parts = [load_dataset("eegmmidb-leftright", subjects=[s], **window).X for s in (1, 2)]
    n = min(len(p) for p in parts)
    X = np.concatenate([p[:n] for p in parts], axis=1)
    if n_channels > X.shape[1]:
        raise SystemExit(f"--channels: at most {X.shape[1]} channels available.")
    return np.ascontiguousarray(X[:, :n_channels])


def speed(metrics, channels, repeat, ref_repeat):
    import mne_connectivity

    warnings.filterwarnings("ignore")  # mne_connectivity: < 5 cycles at 8 Hz in 0.25 s
    rows = []
    for n_channels in channels:
        X = load_epochs(n_channels)
        print(f"data: {X.shape} at {SFREQ:g} Hz")
        for metric in metrics:
            ours(X[:2], metric)  # warm-up
            t_ours, ns_ours = timed(lambda m=metric, X=X: ours(X, m), repeat)
            reference(X[:1], metric)  # warm-up
            t_ref, ns_ref = timed(lambda m=metric, X=X: reference(X, m), ref_repeat)
            diff = float(np.max(np.abs(ns_ours - ns_ref)))
            ok = np.allclose(ns_ours, ns_ref, rtol=1e-10, atol=1e-12)
            rows.append((n_channels, metric, t_ref, t_ours, t_ref / t_ours, diff, ok))
            print(
                f"{n_channels:4d} ch {metric:10s} mne_connectivity {t_ref:7.2f} s  neuropipe "
                f"{t_ours:6.3f} s  x{t_ref / t_ours:6.1f}  max|diff| {diff:.1e}  allclose={ok}"
            )
    table = [
        "| channels | metric | mne_connectivity loop (s) | neuropipe (s) | speed-up "
        "| max abs diff |",
        "|---|---|---|---|---|---|",
    ]
    table += [
        f"| {c} | {m} | {a:.2f} | {b:.3f} | {r:.0f}x | {d:.1e} |" for c, m, a, b, r, d, _ in rows
    ]
    body = (
        f"Node strength of 45 epochs x 480 samples (EEGMMIDB, 3 s at 160 Hz; 64 channels: "
        f"S001; 128 channels: S001 and S002 side by side), 8-30 Hz, 0.25 s windows every "
        f"0.161 s. mne_connectivity {mne_connectivity.__version__}: one call per epoch, best of "
        f"{ref_repeat}; neuropipe: best of {repeat}; CPU time of the process "
        f"(`time.process_time`), BLAS threads: "
        f"{os.environ.get('OPENBLAS_NUM_THREADS', 'default')}. Slowest speed-up: "
        f"{min(r[4] for r in rows):.0f}x.\n\n" + "\n".join(table)
    )
    return body, all(r[-1] for r in rows)


def memory_worker(n_epochs, sfreq):
    """In a fresh process: peak memory of default Connectivity(sfreq).transform."""
    import tracemalloc

    from neuropipe.features.connectivity import Connectivity

    X = np.random.default_rng(0).standard_normal((n_epochs, 128, 2000))
    est = Connectivity(sfreq).fit(X[:1])
    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    tracemalloc.start()
    start = time.perf_counter()
    con = est.transform(X)
    seconds = time.perf_counter() - start
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    print(
        json.dumps(
            dict(
                n_epochs=n_epochs,
                sfreq=sfreq,
                input=X.nbytes,
                output=con.nbytes,
                peak=peak,
                rss_before=rss_before,
                maxrss=rss,
                seconds=seconds,
            )
        )
    )


def memory(n_epochs, rates):
    rows = []
    for sfreq in rates:
        out = subprocess.run(
            [sys.executable, __file__, "--memory-worker", str(n_epochs), str(sfreq)],
            check=True,
            capture_output=True,
            text=True,
        ).stdout
        r = json.loads(out.strip().splitlines()[-1])
        bound = 2 * r["input"] + r["output"]
        # the peak counts the input, which exists before transform: input + what it adds
        ratio = (r["input"] + r["peak"]) / bound
        rows.append({**r, "bound": bound, "ratio": ratio})
        print(
            f"{n_epochs} x 128 x 2000 at {sfreq:g} Hz: input {r['input'] / 1e9:.2f} GB, "
            f"output {r['output'] / 1e9:.2f} GB, input + transform peak "
            f"{(r['input'] + r['peak']) / 1e9:.2f} GB = {ratio:.2f} x (2 x input + output), "
            f"ru_maxrss {r['maxrss'] / 1e9:.2f} GB (before transform "
            f"{r['rss_before'] / 1e9:.2f} GB), {r['seconds']:.1f} s"
        )
    table = [
        "| sfreq | input (GB) | output (GB) | 2 x input + output (GB) | input + transform peak "
        "(GB, tracemalloc) | ratio to bound | process ru_maxrss (GB) | wall time (s) |",
        "|---|---|---|---|---|---|---|---|",
    ]
    table += [
        f"| {r['sfreq']:g} Hz | {r['input'] / 1e9:.3f} | {r['output'] / 1e9:.3f} | "
        f"{r['bound'] / 1e9:.3f} | {(r['input'] + r['peak']) / 1e9:.3f} | {r['ratio']:.2f} | "
        f"{r['maxrss'] / 1e9:.2f} | {r['seconds']:.1f} |"
        for r in rows
    ]
    body = (
        f"Default `Connectivity(sfreq)` (abs_imcoh, 1 Hz bins from 1 Hz to Nyquist) on "
        f"{n_epochs} x 128 x 2000 random epochs, each rate in a fresh process; threads: "
        f"OMP/OPENBLAS={os.environ.get('OPENBLAS_NUM_THREADS', 'default')}.\n\n" + "\n".join(table)
    )
    # the block budget has a floor (_MIN_BLOCK_BYTES) that matters only for small inputs
    return body, all(r["input"] + r["peak"] <= r["bound"] + _MIN_BLOCK_BYTES for r in rows)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--metrics", nargs="+", default=list(METRICS), choices=METRICS)
    parser.add_argument("--channels", nargs="+", type=int, default=[64, 128])
    parser.add_argument("--repeat", type=int, default=5, help="best of N runs of ours")
    parser.add_argument("--ref-repeat", type=int, default=2, help="best of N reference runs")
    parser.add_argument("--memory-epochs", type=int, default=100, help="0: skip memory")
    parser.add_argument("--rates", nargs="+", type=float, default=[500.0, 160.0])
    parser.add_argument("--skip-speed", action="store_true")
    parser.add_argument("--memory-worker", nargs=2, help=argparse.SUPPRESS)
    parser.add_argument(
        "--update-docs", action="store_true", help="write the tables into docs/spectral.md"
    )
    args = parser.parse_args()
    if args.memory_worker:
        memory_worker(int(args.memory_worker[0]), float(args.memory_worker[1]))
        return
    ok = True
    if not args.skip_speed:
        body, fine = speed(args.metrics, args.channels, args.repeat, args.ref_repeat)
        ok &= fine
        if args.update_docs:
            write_doc_section("bench_connectivity", f"Command: `{command_line()}`\n\n{body}")
    if args.memory_epochs:
        body, fine = memory(args.memory_epochs, args.rates)
        ok &= fine
        if args.update_docs:
            write_doc_section("bench_connectivity_memory", f"Command: `{command_line()}`\n\n{body}")
    if args.update_docs:
        print(f"updated {DOC}")
    if not ok:
        raise SystemExit("values differ or memory above the bound: see above")


if __name__ == "__main__":
    main()
