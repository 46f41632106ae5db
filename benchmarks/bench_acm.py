"""Augmented covariance method (ACM): MOABB's exact grid against our fast order/lag selection.

Two measurements, side by side in one run, all on one BLAS thread (on 2 shared cores,
multithreaded BLAS makes LAPACK's eigh up to 4x slower):

1. Speed of the augmented covariances: ``AugmentedCovariances`` against MOABB's
   ``AugmentedDataset`` + pyRiemann ``Covariances("cov")`` at order 10, lag 10 on the 64
   channels of EEGMMIDB subject 1, output checked identical (allclose 1e-10).
2. Within-session 5-fold evaluation (MOABB's folds: stratified, shuffled, seed 42) on the
   bundled EEGMMIDB left/right subjects (9 sensorimotor channels, 8-30 Hz, 0.5-2.5 s, ROC-AUC)
   and SSVEP subjects (8 channels, 7-45 Hz, 2-4 s, accuracy): MOABB's exact grid
   (``pipelines/acm_tgsp_svm_grid.py``, uncached, as MOABB's evaluation runs it), our fast
   search (``pipelines/acm_tgsp_svm_fast.py``, with successive halving and exhaustive,
   ``pipelines/acm_mdm.py``), lag/order from AMI + Cao, and MOABB's TS+SVM grid. The grid
   costs minutes per outer fold, so it runs on the first ``--grid-folds`` folds of the first
   session of every subject, first on each such fold, the other pipelines right after it in
   the same process. ``--cached-grid`` adds the grid with ``Pipeline(memory=...)`` caching
   (same selection, a sixth of the tangent-space fits).

Usage (from the repository root)::

    .venv/bin/python benchmarks/bench_acm.py --write-docs              # all
    .venv/bin/python benchmarks/bench_acm.py --datasets --write-docs    # speed part, report
    .venv/bin/python benchmarks/bench_acm.py --datasets ssvep --subjects 3 4 --folds 1 \
        --sessions 1 --tag _b --skip-speed                              # part of a run

Results go to ``results/bench_acm_<dataset><tag>.csv`` (saved after every fold) and
``results/bench_acm_speed.json``; the report is built from all of them, a fold scored by two
runs counting once.
``--write-docs`` rewrites the results block of ``docs/acm.md`` and its plot,
``docs/img/acm_grid_vs_fast.png``.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import tempfile
import time
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
from moabb.pipelines.features import AugmentedDataset
from pyriemann.estimation import Covariances
from pyriemann.tangentspace import TangentSpace
from sklearn.base import clone
from sklearn.metrics import get_scorer
from sklearn.model_selection import GridSearchCV, StratifiedKFold
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import LabelEncoder
from sklearn.svm import SVC
from threadpoolctl import threadpool_limits
from tqdm import tqdm

from neuropipe.benchmark.pipeline_files import load_pipeline_file
from neuropipe.datasets import get_dataset, load_dataset
from neuropipe.features.augmented import augmented_covariances
from neuropipe.features.embedding import AutoAugmentedCovariances

ROOT = Path(__file__).resolve().parents[1]
SENSORIMOTOR = ["FC3", "FCz", "FC4", "C3", "Cz", "C4", "CP3", "CPz", "CP4"]
DATASETS = {
    "eegmmidb": dict(
        name="eegmmidb-leftright",
        kwargs=dict(tmin=0.5, tmax=2.5, l_freq=8.0, h_freq=30.0, picks=SENSORIMOTOR),
        scoring="roc_auc",
    ),
    "ssvep": dict(
        name="ssvep-exo", kwargs=dict(paradigm="SSVEP", l_freq=7.0, h_freq=45.0), scoring="accuracy"
    ),
}
SVM_GRID = {"svc__C": [0.5, 1, 1.5], "svc__kernel": ["rbf", "linear"]}
INNER_CV = StratifiedKFold(3, shuffle=True, random_state=42)
PUBLISHED = [
    ("PhysionetMI, L/R, within-session ROC-AUC (MOABB benchmark, all subjects)", 63.55, 68.18),
    ("BNCI2014_004, L/R, within-session ROC-AUC (authors' CSVs)", 82.1, 79.4),
    ("BNCI2014_001, L/R, within-session ROC-AUC (authors' CSVs)", 91.7, 88.3),
]
DOC_START, DOC_END = "<!-- bench_acm:start -->", "<!-- bench_acm:end -->"
RESULTS = ROOT / "results"
PLOT = Path("img") / "acm_grid_vs_fast.png"
GRID, CACHED_GRID = "ACM grid (MOABB)", "ACM grid (MOABB, cached)"
FAST = ["ACM fast", "ACM fast (exhaustive)", "ACM+MDM fast", "ACM AMI+Cao", "TS+SVM (MOABB grid)"]


def _pipeline(filename):
    return load_pipeline_file(ROOT / "pipelines" / filename)[0]["pipeline"]


def _with_scoring(pipeline, scoring):
    """A copy of a pipeline whose inner grid search optimises ``scoring``."""
    pipeline = clone(pipeline)
    pipeline.set_params(gridsearchcv__scoring=scoring)
    return pipeline


def contenders(scoring, cache_dir):
    """Name -> (pipeline, runs on grid folds only), in the order they run on a fold."""
    grid = _with_scoring(_pipeline("acm_tgsp_svm_grid.py"), scoring)
    cached = clone(grid).set_params(gridsearchcv__estimator__memory=cache_dir)
    fast = _pipeline("acm_tgsp_svm_fast.py")
    ts_svm = make_pipeline(
        GridSearchCV(
            make_pipeline(Covariances("oas"), TangentSpace(metric="riemann"), SVC(kernel="linear")),
            SVM_GRID,
            cv=INNER_CV,
            scoring=scoring,
        )
    )
    ami_cao = make_pipeline(
        GridSearchCV(
            make_pipeline(
                AutoAugmentedCovariances(max_dim=96, random_state=42),
                TangentSpace(metric={"mean": "logeuclid", "map": "riemann"}),
                SVC(),
                memory=cache_dir,
            ),
            SVM_GRID,
            cv=INNER_CV,
            scoring=scoring,
        )
    )
    return {
        GRID: (grid, True),
        CACHED_GRID: (cached, True),
        "ACM fast": (fast, False),
        "ACM fast (exhaustive)": (clone(fast).set_params(embeddingsearchcv__factor=None), False),
        "ACM+MDM fast": (_pipeline("acm_mdm.py"), False),
        "ACM AMI+Cao": (ami_cao, False),
        "TS+SVM (MOABB grid)": (ts_svm, False),
    }


def _timed(compute, X):
    start, start_cpu = time.perf_counter(), time.process_time()
    out = compute(X)
    return out, time.perf_counter() - start, time.process_time() - start_cpu


def _moabb_augmented_covariances(X):
    return Covariances("cov").transform(AugmentedDataset(10, 10).transform(X))


def _our_augmented_covariances(X):
    return augmented_covariances(X, 10, 10, "cov", on_singular="warn")


def bench_speed(n_repeats=7):
    """Best-of-n wall and CPU time of MOABB's and our augmented covariances, p=10, tau=10.

    On the 64 channels of EEGMMIDB subject 1, 2 s (0.5-2.5 s) and 4 s (0-4 s) epochs; the
    outputs are checked identical.
    """
    rows = []
    for tmin, tmax in [(0.5, 2.5), (0.0, 4.0)]:
        X = load_dataset("eegmmidb-leftright", subjects=[1], tmin=tmin, tmax=tmax).X
        walls, cpus = {"moabb": [], "ours": []}, {"moabb": [], "ours": []}
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # 640 augmented channels, few samples: singular
            for _ in tqdm(range(n_repeats), desc=f"speed {X.shape}", leave=False):
                ref, wall, cpu = _timed(_moabb_augmented_covariances, X)
                walls["moabb"].append(wall)
                cpus["moabb"].append(cpu)
                ours, wall, cpu = _timed(_our_augmented_covariances, X)
                walls["ours"].append(wall)
                cpus["ours"].append(cpu)
        np.testing.assert_allclose(ours, ref, rtol=1e-10, atol=1e-10 * np.abs(ref).max())
        wall, cpu = {k: min(v) for k, v in walls.items()}, {k: min(v) for k, v in cpus.items()}
        rows.append(
            dict(
                shape=" x ".join(map(str, X.shape)),
                dim=ours.shape[-1],
                moabb=wall["moabb"],
                ours=wall["ours"],
                speedup=wall["moabb"] / wall["ours"],
                speedup_cpu=cpu["moabb"] / cpu["ours"],
            )
        )
    return rows


def evaluate(
    dataset,
    subjects,
    n_sessions,
    n_folds,
    grid_folds,
    cached_grid,
    command,
    only=None,
    tag="",
    first_fold=0,
):
    """One row per (subject, session, fold, pipeline): score, wall and CPU time of fit+predict.

    ``subjects``: subject ids (None: all); ``n_folds``: outer folds scored (None: all 5),
    from ``first_fold`` on. On the first ``grid_folds`` folds of the first session, MOABB's
    grid runs first, then every other pipeline, back to back; ``cached_grid`` adds the grid
    with ``Pipeline(memory=...)`` caching. ``only`` restricts the pipelines to those names. The rows are saved to
    ``results/bench_acm_<dataset><tag>.csv`` after every fold.
    """
    spec = DATASETS[dataset]
    scorer = get_scorer(spec["scoring"])
    subject_ids = subjects or get_dataset(spec["name"]).subjects
    rows = []
    with tempfile.TemporaryDirectory() as cache_dir:
        pipelines = contenders(spec["scoring"], cache_dir)
        for subject in tqdm(subject_ids, desc=dataset):
            data = load_dataset(spec["name"], subjects=[subject], **spec["kwargs"])
            sessions = data.metadata["session"].to_numpy()
            for s_index, session in enumerate(sorted(set(sessions))[:n_sessions]):
                keep = sessions == session
                X = data.X[keep]
                y = LabelEncoder().fit_transform(data.y[keep])
                cv = StratifiedKFold(5, shuffle=True, random_state=42)
                for fold, (train, test) in list(enumerate(cv.split(X, y)))[first_fold:n_folds]:
                    on_grid_fold = s_index == 0 and fold < grid_folds
                    for name, (pipeline, grid_only) in pipelines.items():
                        if (grid_only and not on_grid_fold) or (only and name not in only):
                            continue
                        if name == CACHED_GRID and not cached_grid:
                            continue
                        model = clone(pipeline)
                        start, start_cpu = time.perf_counter(), time.process_time()
                        model.fit(X[train], y[train])
                        score = scorer(model, X[test], y[test])
                        predictions = model.predict(X[test])
                        wall, cpu = time.perf_counter() - start, time.process_time() - start_cpu
                        rows.append(
                            dict(
                                dataset=dataset,
                                subject=subject,
                                session=session,
                                fold=fold,
                                pipeline=name,
                                score=100 * score,
                                time=wall,
                                cpu=cpu,
                                grid_fold=on_grid_fold,
                                predictions=" ".join(map(str, predictions)),
                                best=_best_params(model),
                                command=command,
                            )
                        )
                    pd.DataFrame(rows).to_csv(
                        RESULTS / f"bench_acm_{dataset}{tag}.csv", index=False
                    )


def _best_params(model):
    search = model[-1]
    params = getattr(search, "best_params_", None)
    if params is None:
        return ""
    names = {"augmenteddataset__order": "order", "augmenteddataset__lag": "lag"}
    return ", ".join(f"{names.get(k, k.split('__')[-1])}={v}" for k, v in sorted(params.items()))


def paired_grid_table(results):
    """Each pipeline against MOABB's grid on the folds where the grid ran.

    One row per dataset and pipeline, plus ``all`` pooling the folds of both datasets;
    ``same``: folds where the pipeline chose the grid's order, lag and SVM setting.
    """
    on_grid = results[results["grid_fold"]]
    keys = ["dataset", "subject", "fold"]
    wide = on_grid.pivot_table(index=keys, columns="pipeline", values=["score", "time", "cpu"])
    best = on_grid.pivot_table(index=keys, columns="pipeline", values="best", aggfunc="first")
    wide = wide[wide["score"][GRID].notna()]
    parts = [(d, part) for d, part in wide.groupby(level="dataset")] + [("all", wide)]
    rows = []
    for dataset, part in parts:
        for name in [CACHED_GRID, *FAST]:
            if name not in part["score"] or part["score"][name].isna().any():
                continue
            delta = part["score"][name] - part["score"][GRID]
            rows.append(
                dict(
                    dataset=dataset,
                    pipeline=name,
                    folds=len(part),
                    same=int((best.loc[part.index, name] == best.loc[part.index, GRID]).sum()),
                    grid_score=part["score"][GRID].mean(),
                    score=part["score"][name].mean(),
                    delta=delta.mean(),
                    delta_se=delta.sem(),
                    grid_time=part["time"][GRID].mean(),
                    time=part["time"][name].mean(),
                    wall_ratio=part["time"][GRID].mean() / part["time"][name].mean(),
                    cpu_ratio=part["cpu"][GRID].mean() / part["cpu"][name].mean(),
                )
            )
    return pd.DataFrame(rows)


def summary_table(results):
    """Every scored fold: mean over subjects of the per-subject mean score; time per fold."""
    per_subject = results.groupby(["dataset", "pipeline", "subject"]).agg(
        score=("score", "mean"), folds=("fold", "size"), time=("time", "mean"), cpu=("cpu", "mean")
    )
    return (
        per_subject.groupby(["dataset", "pipeline"])
        .agg(
            subjects=("score", "size"),
            folds=("folds", "sum"),
            score=("score", "mean"),
            std=("score", "std"),
            time=("time", "mean"),
            cpu=("cpu", "mean"),
        )
        .reset_index()
    )


def _grid_and_fast(results):
    """One row per fold where MOABB's grid and ACM fast both ran, columns ``*_grid``, ``*_fast``."""
    keys = ["dataset", "subject", "fold"]
    grid = results[results["pipeline"] == GRID]
    fast = results[results["pipeline"] == "ACM fast"]
    return grid.merge(fast, on=keys, suffixes=("_grid", "_fast"))


def grid_subjects_table(results):
    """MOABB's grid and the fast search, subject by subject, on the folds where the grid ran.

    ``same``: folds where the fast search chose the grid's order, lag and SVM setting;
    ``others``: the grid's and the fast search's choices on the other folds.
    """
    folds = _grid_and_fast(results)
    folds["same"] = folds["best_grid"] == folds["best_fast"]
    rows = []
    for (dataset, subject), part in folds.groupby(["dataset", "subject"]):
        others = part[~part["same"]]
        rows.append(
            dict(
                dataset=dataset,
                subject=subject,
                folds=len(part),
                same=int(part["same"].sum()),
                grid_score=part["score_grid"].mean(),
                fast_score=part["score_fast"].mean(),
                grid_time=part["time_grid"].mean(),
                fast_time=part["time_fast"].mean(),
                others="; ".join(
                    f"fold {r.fold}: {r.best_grid} ({r.score_grid:.1f}) vs {r.best_fast} "
                    f"({r.score_fast:.1f})"
                    for r in others.itertuples()
                ),
            )
        )
    return pd.DataFrame(rows)


def plot_grid_vs_fast(results, path):
    """Two panels, one point per grid fold: fast vs grid score, and grid vs fast wall time."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    folds = _grid_and_fast(results)
    if folds.empty:
        return
    rng = np.random.default_rng(0)  # jitter: many folds share a score
    fig, (ax_score, ax_time) = plt.subplots(1, 2, figsize=(10, 4.4))
    for (dataset, part), marker in zip(folds.groupby("dataset"), "os"):
        jitter = rng.uniform(-0.8, 0.8, size=(2, len(part)))
        same = (part["best_grid"] == part["best_fast"]).to_numpy()
        for mask, fill in [(same, "same choice"), (~same, "other choice")]:
            ax_score.scatter(
                part["score_grid"][mask] + jitter[0][mask],
                part["score_fast"][mask] + jitter[1][mask],
                marker=marker,
                facecolors="none" if fill == "other choice" else None,
                edgecolors="C0" if dataset == "eegmmidb" else "C1",
                color="C0" if dataset == "eegmmidb" else "C1",
                alpha=0.7,
                label=f"{dataset}, {fill} ({mask.sum()})",
            )
        ax_time.scatter(
            part["time_grid"], part["time_fast"], marker=marker, alpha=0.7, label=dataset
        )
    ax_score.plot([0, 100], [0, 100], color="grey", lw=0.8)
    ax_score.set(
        xlabel="MOABB grid score (%)",
        ylabel="ACM fast score (%)",
        title="Test score per outer fold (jittered)",
    )
    ax_score.legend(fontsize=8)
    x_low, x_high = folds["time_grid"].min() / 1.5, folds["time_grid"].max() * 1.5
    for ratio, style in [(25, ":"), (50, "--"), (100, "-.")]:
        ax_time.plot([x_low, x_high], [x_low / ratio, x_high / ratio], "k" + style, lw=0.8)
        ax_time.annotate(f"{ratio}x less", (x_low * 1.05, x_low * 1.2 / ratio), fontsize=8)
    ax_time.set(
        xlim=(x_low, x_high),
        ylim=(x_low / 150, x_high / 15),
        xscale="log",
        yscale="log",
        xlabel="MOABB grid wall time per fold (s)",
        ylabel="ACM fast wall time per fold (s)",
        title="Wall time per outer fold, fit + predict",
    )
    ax_time.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def load_results():
    """All saved evaluation rows (None if there are none); a fold scored twice counts once."""
    frames = [pd.read_csv(f) for f in sorted(RESULTS.glob("bench_acm_*.csv"))]
    if not frames:
        return None
    keys = ["dataset", "subject", "session", "fold", "pipeline"]
    return pd.concat(frames, ignore_index=True).drop_duplicates(keys, keep="last")


def report():
    """Markdown block from the saved results, with the commands that produced them."""
    speed_file = RESULTS / "bench_acm_speed.json"
    speed = json.loads(speed_file.read_text()) if speed_file.exists() else None
    results = load_results()
    fmt = "{:.1f}".format
    lines = [
        "All on one BLAS thread, 2 CPU cores; on every grid fold the grid and the pipelines "
        "compared to it run back to back in one process.",
        "",
    ]
    if speed is not None:
        lines += [
            f"Command: `{speed['command']}`",
            "",
            '**AugmentedCovariances vs MOABB `AugmentedDataset` + `Covariances("cov")`**, '
            "order 10, lag 10, 64 channels of EEGMMIDB S001, best of 7, identical output "
            "(allclose 1e-10):",
            "",
            "| epochs x channels x samples | matrix | MOABB (s) | ours (s) | speed-up (wall) "
            "| speed-up (CPU) |",
            "|---|---|---|---|---|---|",
        ]
        lines += [
            f"| {r['shape']} | {r['dim']} x {r['dim']} | {r['moabb']:.3f} | {r['ours']:.3f} | "
            f"{r['speedup']:.1f}x | {r['speedup_cpu']:.1f}x |"
            for r in speed["rows"]
        ]
        lines.append("")
    if results is not None and not results.empty:
        commands = sorted(set(results["command"]))
        lines += ["Commands: " + "; ".join(f"`{c}`" for c in commands), ""]
        if (results["pipeline"] == GRID).any():
            lines += [
                "**Against MOABB's exact grid (uncached, as MOABB runs it), on the folds where "
                "it ran** (score: ROC-AUC % for EEGMMIDB, accuracy % for SSVEP; same: folds "
                "where the pipeline chose the grid's order, lag, C and kernel; delta: mean "
                "paired difference with its standard error; time: mean wall seconds per outer "
                "fold, fit + predict; ratios of mean wall and of mean CPU time):",
                "",
                "| dataset | pipeline | folds | same | grid score | score | delta "
                "| grid time (s) | time (s) | wall ratio | CPU ratio |",
                "|---|---|---|---|---|---|---|---|---|---|---|",
            ]
            lines += [
                f"| {r.dataset} | {r.pipeline} | {r.folds} | {r.same} | {fmt(r.grid_score)} | "
                f"{fmt(r.score)} | {r.delta:+.1f} +- {r.delta_se:.1f} | {fmt(r.grid_time)} | "
                f"{r.time:.2f} | **{r.wall_ratio:.0f}x** | {r.cpu_ratio:.0f}x |"
                for r in paired_grid_table(results).itertuples()
            ]
            lines += [
                "",
                f"![ACM fast against MOABB's grid, fold by fold](img/{PLOT.name})",
                "",
                "**Subject by subject: MOABB's grid and ACM fast** (run back to back in one "
                "process; same: folds where both chose the same order, lag, C and kernel; "
                "mean score and wall seconds per fold; the other folds: grid choice (score) vs "
                "fast choice (score)):",
                "",
                "| subject | folds | same | grid score | fast score | grid wall (s) "
                "| fast wall (s) | wall ratio | the other folds |",
                "|---|---|---|---|---|---|---|---|---|",
            ]
            lines += [
                f"| {r.dataset} {r.subject} | {r.folds} | {r.same} | {fmt(r.grid_score)} | "
                f"{fmt(r.fast_score)} | {r.grid_time:.0f} | {r.fast_time:.2f} | "
                f"{r.grid_time / r.fast_time:.0f}x | {r.others or '-'} |"
                for r in grid_subjects_table(results).itertuples()
            ]
            lines.append("")
        summary = summary_table(results)
        lines += [
            "**Every fold scored** (mean over subjects of the per-subject mean; std over "
            "subjects; mean wall and CPU seconds per outer fold):",
            "",
            "| dataset | pipeline | subjects | folds | score | std | time (s) | CPU (s) |",
            "|---|---|---|---|---|---|---|---|",
        ]
        lines += [
            f"| {r.dataset} | {r.pipeline} | {r.subjects} | {r.folds} | {fmt(r.score)} | "
            f"{fmt(r.std)} | {r.time:.1f} | {r.cpu:.1f} |"
            for r in summary.itertuples()
        ]
        lines.append("")
    lines += [
        "**Published ACM vs TS+SVM** (for context; not re-run here):",
        "",
        "| setting | ACM | TS+SVM |",
        "|---|---|---|",
    ]
    lines += [f"| {what} | {acm} | {ts} |" for what, acm, ts in PUBLISHED]
    return "\n".join(lines)


def write_docs(block):
    path = ROOT / "docs" / "acm.md"
    text = path.read_text()
    pattern = re.compile(re.escape(DOC_START) + ".*?" + re.escape(DOC_END), re.S)
    path.write_text(pattern.sub(lambda _: f"{DOC_START}\n{block}\n{DOC_END}", text))


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--datasets", nargs="*", default=list(DATASETS), choices=list(DATASETS))
    parser.add_argument("--subjects", type=int, nargs="+", default=None, help="subject ids")
    parser.add_argument("--folds", type=int, default=None, help="first N outer folds")
    parser.add_argument("--first-fold", type=int, default=0, help="skip the folds before it")
    parser.add_argument("--sessions", type=int, default=None, help="first N sessions")
    parser.add_argument("--grid-folds", type=int, default=1, help="grid folds per subject")
    parser.add_argument(
        "--cached-grid", action="store_true", help="also run the grid with Pipeline caching"
    )
    parser.add_argument("--skip-speed", action="store_true")
    parser.add_argument("--pipelines", nargs="+", default=None, help="only these pipelines")
    parser.add_argument("--tag", default="", help="suffix of the results file")
    parser.add_argument("--write-docs", action="store_true")
    args = parser.parse_args(argv)
    command = "python benchmarks/bench_acm.py " + " ".join(sys.argv[1:] if argv is None else argv)
    RESULTS.mkdir(exist_ok=True)
    with threadpool_limits(1), warnings.catch_warnings():
        warnings.simplefilter("ignore", category=FutureWarning)
        if not args.skip_speed:
            speed = {"rows": bench_speed(), "command": command}
            (RESULTS / "bench_acm_speed.json").write_text(json.dumps(speed, indent=1))
        for dataset in args.datasets:
            evaluate(
                dataset,
                args.subjects,
                args.sessions,
                args.folds,
                args.grid_folds,
                args.cached_grid,
                command,
                args.pipelines,
                args.tag,
                args.first_fold,
            )
    block = report()
    print(block)
    if args.write_docs:
        write_docs(block)
        results = load_results()
        if results is not None:
            plot_grid_vs_fast(results, ROOT / "docs" / PLOT)


if __name__ == "__main__":
    main()
