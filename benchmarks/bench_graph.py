"""Graph features of 249 ABIDE subjects x 200 ROIs: neuropipe vs a plain networkx loop.

Both compute the same per-node metrics on the same binary graphs (each subject's
correlation graph at 10% density): degree, strength, clustering, triangles, squares
(4-cycles), local efficiency and betweenness. networkx has no per-node 4-cycle count, so the
reference counts them in Python from networkx adjacency (pairs of common neighbours). The results are checked equal before
the times are reported. The figures are written into docs/fmri.md.

    nice -n 10 .venv/bin/python benchmarks/bench_graph.py                 # networkx on 50 subjects
    nice -n 10 .venv/bin/python benchmarks/bench_graph.py --nx-subjects 249
"""

from __future__ import annotations

import argparse
import os
import platform
import re
import sys
import time
from collections import Counter
from pathlib import Path

import networkx as nx
import numpy as np
from tqdm import tqdm

from neuropipe.datasets.abide import load_abide
from neuropipe.features.graph import METRICS, ConnectivityGraph

DOC = Path(__file__).resolve().parents[1] / "docs" / "fmri.md"
START, END = "<!-- bench_graph:start -->", "<!-- bench_graph:end -->"


def nx_squares(G):
    """Per-node 4-cycle counts from networkx adjacency.

    A 4-cycle through ``v`` with opposite node ``x`` is a pair of common neighbours of ``v``
    and ``x``, so ``c4(v) = sum_x C(c_vx, 2)`` with ``c_vx`` counted by 2-step walks.
    """
    counts = {}
    for v in G:
        common = Counter(x for u in G[v] for x in G[u] if x != v)
        counts[v] = sum(c * (c - 1) // 2 for c in common.values())
    return counts


NX_METRICS = {
    "degree": lambda G: dict(G.degree()),
    "strength": lambda G: dict(G.degree(weight="weight")),
    "clustering": nx.clustering,
    "triangles": nx.triangles,
    "squares": nx_squares,
    "local_efficiency": lambda G: {v: nx.global_efficiency(G.subgraph(G[v])) for v in G},
    "betweenness": nx.betweenness_centrality,
}


def run_networkx(A):
    """Every metric for every subject with networkx; returns (features, seconds per metric)."""
    n_rois = A.shape[1]
    out = {m: np.zeros((len(A), n_rois)) for m in NX_METRICS}
    seconds = dict.fromkeys(NX_METRICS, 0.0)
    for s in tqdm(range(len(A)), desc="networkx", unit="subject"):
        G = nx.from_numpy_array(A[s])
        for name, func in NX_METRICS.items():
            start = time.perf_counter()
            values = func(G)
            seconds[name] += time.perf_counter() - start
            out[name][s] = [values[v] for v in range(n_rois)]
    return out, seconds


def run_neuropipe(A, repeats):
    """Every metric with neuropipe; best of ``repeats`` runs per metric."""
    out, seconds = {}, {}
    for name in tqdm(METRICS, desc="neuropipe", unit="metric"):
        times = []
        for _ in range(repeats):
            start = time.perf_counter()
            out[name] = METRICS[name](A)
            times.append(time.perf_counter() - start)
        seconds[name] = min(times)
    return out, seconds


def check_equal(ours, ref, n):
    for name in NX_METRICS:
        if name in ("local_efficiency", "betweenness", "strength"):
            np.testing.assert_allclose(ours[name][:n], ref[name], rtol=1e-12, atol=1e-15)
        else:
            np.testing.assert_array_equal(ours[name][:n], ref[name], err_msg=name)


def markdown(args, n_subjects, n_rois, n_nx, t_graph, ours, ref):
    scale = n_subjects / n_nx
    lines = [
        f"Command: `{' '.join(['.venv/bin/python', *sys.argv])}` "
        f"({time.strftime('%Y-%m-%d')}, {platform.processor() or platform.machine()}, "
        f"{os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f} at the end).",
        "",
        f"{n_subjects} subjects x {n_rois} ROIs, graphs at density {args.density} "
        f"(ConnectivityGraph: {t_graph:.1f} s for all subjects). networkx was timed on "
        f"{n_nx} subjects"
        + (f" and scaled x{scale:.2f} to {n_subjects}" if n_nx != n_subjects else "")
        + "; outputs checked equal (integer metrics exactly, the others to 1e-12).",
        "",
        f"| metric | neuropipe (s, {n_subjects} subjects) | networkx (s, {n_subjects} "
        f"subjects) | speed-up |",
        "|---|---|---|---|",
    ]
    for name in NX_METRICS:
        ref_s = ref[name] * scale
        lines.append(f"| {name} | {ours[name]:.3f} | {ref_s:.2f} | {ref_s / ours[name]:.0f}x |")
    total_ours, total_ref = sum(ours.values()), sum(ref.values()) * scale
    lines.append(
        f"| **all seven** | **{total_ours:.2f}** | **{total_ref:.0f}** | "
        f"**{total_ref / total_ours:.0f}x** |"
    )
    return "\n".join(lines)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--nx-subjects", type=int, default=50, help="subjects timed in networkx")
    parser.add_argument("--density", type=float, default=0.1)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--no-doc", action="store_true", help="do not update docs/fmri.md")
    args = parser.parse_args()

    data = load_abide()
    start = time.perf_counter()
    A = ConnectivityGraph(density=args.density).fit_transform(data.timeseries)
    t_graph = time.perf_counter() - start
    n_nx = min(args.nx_subjects, len(A))

    ours, ours_s = run_neuropipe(A, args.repeats)
    ref, ref_s = run_networkx(A[:n_nx])
    check_equal(ours, ref, n_nx)
    table = markdown(args, len(A), A.shape[1], n_nx, t_graph, ours_s, ref_s)
    print(table)
    if not args.no_doc:
        text = DOC.read_text()
        block = f"{START}\n{table}\n{END}"
        DOC.write_text(
            re.sub(re.escape(START) + ".*?" + re.escape(END), lambda _: block, text, flags=re.S)
        )
        print(f"\nwritten to {DOC}")


if __name__ == "__main__":
    main()
