"""AugmentedCovariances against MOABB's AugmentedDataset + pyRiemann Covariances("cov").

Non-singular epochs: 64 unfiltered EEGMMIDB channels (subjects 1 and 2, left/right fist runs,
the first ``--epochs`` epochs), 5 s (801 samples) and 10 s (1601 samples, overlapping windows)
at 160 Hz; order 10, lag 10, so 701 and 1501 samples are kept for 640 augmented channels.
Three contenders run interleaved, repeat after repeat, in one process on one BLAS thread:

* MOABB: ``Covariances("cov").transform(AugmentedDataset(10, 10).transform(X))``;
* ours, ``on_singular="ignore"``: the same matrices, no numerical check (as MOABB);
* ours, default ``on_singular="shrink"``: plus the singularity check (one Cholesky per matrix).

Both of ours are asserted equal to MOABB's output (allclose 1e-10) and every matrix is
checked positive definite. Best of ``--repeats`` wall and CPU seconds; ratios of the bests.

A second table gives the ceilings, per epoch on the same data: MOABB's ``numpy.cov`` of the
embedding (numpy computes ``A @ A.T`` by ``syrk``; a general product ``A @ B.T`` of the same
size is shown beside it), the least arithmetic any time-domain method does (the ``order`` lag
products of the epoch with its lagged copies as ONE ``C x T x (order C)`` product at full BLAS
speed) and one Cholesky factorisation (the singularity check). MOABB's time per epoch over
these floors bounds the speed-up any implementation can reach, with and without the check.

Usage (from the repository root)::

    OMP_NUM_THREADS=1 .venv/bin/python benchmarks/bench_augmented.py --write-docs
"""

from __future__ import annotations

import argparse
import json
import sys
import time
import warnings
from pathlib import Path

import numpy as np
from moabb.pipelines.features import AugmentedDataset
from pyriemann.estimation import Covariances
from scipy.linalg import cholesky
from threadpoolctl import threadpool_limits

from neuropipe.datasets import load_dataset
from neuropipe.features.augmented import augmented_covariances

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "results" / "bench_augmented.json"
ORDER, LAG = 10, 10
DOC_START, DOC_END = "<!-- bench_augmented:start -->", "<!-- bench_augmented:end -->"


def load_epochs(seconds, n_epochs):
    """Unfiltered 64-channel EEGMMIDB epochs of ``seconds`` s, the first ``n_epochs``."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # epochs running past the end of a run are dropped
        data = load_dataset(
            "eegmmidb-leftright",
            subjects=[1, 2],
            tmin=0.0,
            tmax=float(seconds),
            l_freq=None,
            h_freq=None,
            allow_overlap=True,
        )
    return np.ascontiguousarray(data.X[:n_epochs])


def contenders():
    return {
        "MOABB": lambda X: Covariances("cov").transform(AugmentedDataset(ORDER, LAG).transform(X)),
        "ours (no check)": lambda X: augmented_covariances(X, ORDER, LAG, on_singular="ignore"),
        "ours (with check)": lambda X: augmented_covariances(X, ORDER, LAG),
    }


def bench(seconds, n_epochs, n_repeats):
    X = load_epochs(seconds, n_epochs)
    walls, cpus, outputs = {}, {}, {}
    for _ in range(n_repeats):
        for name, compute in contenders().items():
            start, start_cpu = time.perf_counter(), time.process_time()
            outputs[name] = compute(X)
            walls.setdefault(name, []).append(time.perf_counter() - start)
            cpus.setdefault(name, []).append(time.process_time() - start_cpu)
    ref = outputs["MOABB"]
    for out in outputs.values():
        np.testing.assert_allclose(out, ref, rtol=1e-10, atol=1e-10 * np.abs(ref).max())
    assert np.linalg.eigvalsh(ref[:3]).min() > 0, "epochs expected non-singular"
    np.linalg.cholesky(ref)  # every matrix SPD: the check has nothing to replace
    wall = {k: min(v) for k, v in walls.items()}
    cpu = {k: min(v) for k, v in cpus.items()}
    return dict(
        ceilings=ceilings(X, min(walls["MOABB"]), n_repeats),
        seconds=seconds,
        shape=" x ".join(map(str, X.shape)),
        n_kept=X.shape[-1] - ORDER * LAG,
        dim=ref.shape[-1],
        wall=wall,
        cpu=cpu,
        ratio={k: wall["MOABB"] / wall[k] for k in wall},
        ratio_cpu={k: cpu["MOABB"] / cpu[k] for k in cpu},
    )


def best_time(compute, n_repeats):
    """Best wall time of ``n_repeats`` calls of ``compute()``."""
    times = []
    for _ in range(n_repeats):
        start = time.perf_counter()
        compute()
        times.append(time.perf_counter() - start)
    return min(times)


def ceilings(X, moabb_wall, n_repeats):
    """Per-epoch floors (seconds) of the covariance and the check, and the speed-ups they allow."""
    epoch = X[0]
    n_channels, n_times = epoch.shape
    A = AugmentedDataset(ORDER, LAG).transform(X[:1])[0]
    B = A.copy()
    padded = np.zeros((n_channels, n_times + ORDER * LAG))
    padded[:, :n_times] = epoch
    lagged = np.concatenate([padded[:, k * LAG : k * LAG + n_times] for k in range(ORDER)])
    S = np.cov(A)
    n_loops = 5 * n_repeats
    floor = {
        "numpy.cov of the embedding (MOABB)": best_time(lambda: np.cov(A), n_loops),
        "A @ A.T (syrk)": best_time(lambda: A @ A.T, n_loops),
        "A @ B.T (general product, same size)": best_time(lambda: A @ B.T, n_loops),
        "lag products, one product (floor of ours)": best_time(lambda: epoch @ lagged.T, n_loops),
        "Cholesky of one matrix (the check)": best_time(lambda: cholesky(S), n_loops),
    }
    per_epoch = moabb_wall / X.shape[0]
    lag_products = floor["lag products, one product (floor of ours)"]
    check = floor["Cholesky of one matrix (the check)"]
    return dict(
        floor=floor,
        moabb_per_epoch=per_epoch,
        ceiling_no_check=per_epoch / lag_products,
        ceiling_with_check=per_epoch / (lag_products + check),
    )


def ceiling_table(rows):
    lines = [
        "Ceilings (per epoch, milliseconds, best of repeated calls on the first epoch): MOABB's "
        "whole time per epoch divided by the floors below bounds any implementation's speed-up.",
        "",
        "| epoch | " + " | ".join(rows[0]["ceilings"]["floor"]) + " | MOABB per epoch "
        "| ceiling, no check | ceiling, with check |",
        "|---|" + "---|" * (len(rows[0]["ceilings"]["floor"]) + 3),
    ]
    for r in rows:
        c = r["ceilings"]
        cells = " | ".join(f"{1e3 * v:.2f}" for v in c["floor"].values())
        lines.append(
            f"| {r['seconds']} s | {cells} | {1e3 * c['moabb_per_epoch']:.2f} "
            f"| {c['ceiling_no_check']:.1f}x | {c['ceiling_with_check']:.1f}x |"
        )
    return "\n".join(lines)


def table(rows, n_repeats):
    lines = [
        f"Order {ORDER}, lag {LAG}, one BLAS thread, best of {n_repeats} interleaved repeats; "
        "outputs asserted equal to MOABB's (allclose 1e-10), every matrix SPD.",
        "",
        "| epochs x channels x samples | kept | matrix | MOABB (s) | ours, no check (s) "
        "| ours, with check (s) | speed-up no check (wall / CPU) | speed-up with check "
        "(wall / CPU) |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        w, ra, rc = r["wall"], r["ratio"], r["ratio_cpu"]
        lines.append(
            f"| {r['shape']} ({r['seconds']} s) | {r['n_kept']} | {r['dim']} x {r['dim']} "
            f"| {w['MOABB']:.3f} | {w['ours (no check)']:.3f} | {w['ours (with check)']:.3f} "
            f"| **{ra['ours (no check)']:.1f}x** / {rc['ours (no check)']:.1f}x "
            f"| **{ra['ours (with check)']:.1f}x** / {rc['ours (with check)']:.1f}x |"
        )
    return "\n".join(lines)


def write_docs(block, command):
    path = ROOT / "docs" / "performance.md"
    text = path.read_text()
    start, end = text.index(DOC_START), text.index(DOC_END)
    body = f"{DOC_START}\nCommand: `{command}`\n\n{block}\n"
    path.write_text(text[:start] + body + text[end:])


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seconds", type=int, nargs="+", default=[5, 10])
    parser.add_argument("--epochs", type=int, default=45)
    parser.add_argument("--repeats", type=int, default=7)
    parser.add_argument("--write-docs", action="store_true")
    args = parser.parse_args(argv)
    command = "python benchmarks/bench_augmented.py " + " ".join(
        sys.argv[1:] if argv is None else argv
    )
    with threadpool_limits(1):
        rows = [bench(s, args.epochs, args.repeats) for s in args.seconds]
    RESULTS.parent.mkdir(exist_ok=True)
    RESULTS.write_text(json.dumps(dict(command=command, rows=rows), indent=1))
    block = table(rows, args.repeats) + "\n\n" + ceiling_table(rows)
    print(block)
    if args.write_docs:
        write_docs(block, command)


if __name__ == "__main__":
    main()
