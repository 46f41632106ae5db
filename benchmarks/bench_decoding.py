"""Every decoding pipeline file on flint2012 and stevenson2011, plus DKF step() latency.

Accuracy: each file of ``pipelines/decoding/`` (slow ones included; the Wiener and Kalman
filters are files there) is fitted on the training segment of each bundled session
(flint2012: the DKF paper's split, train rows 0-4999, test 5000-5999; stevenson2011: first
70 % train, last 15 % test) and scored on the test segment: mean R^2 over the two velocity
components, pooled nRMSE and MAAE. ``valid`` is the mean R^2 of the same file fitted on the
first 80 % of the training segment and scored on its last 20 % (time order kept): the
figure the default files are picked by, never the test one. ``f alone`` is the DKF's
regressor without filtering.

Latency: per-bin ``step()`` of every DKF file fitted on stevenson2011 (171 units), as a
ratio to ``filterpy.kalman.KalmanFilter`` ``predict()`` + ``update()`` with the Kalman
filter file's model of the same 171 units (2 states), measured in the same run (best of
5 runs over 300 bins, BLAS on one thread).

Usage::

    OMP_NUM_THREADS=1 nice -n 5 .venv/bin/python benchmarks/bench_decoding.py --write-docs
"""

from __future__ import annotations

import argparse
import platform
import re
import time
import timeit
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
from filterpy.kalman import KalmanFilter
from sklearn.base import clone
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import Pipeline
from threadpoolctl import threadpool_limits

from neuropipe.benchmark.pipeline_files import load_pipelines
from neuropipe.datasets import dataset_names, get_dataset
from neuropipe.decoders import DiscriminativeKalmanFilter, KalmanFilterRegressor, maae, nrmse, r2
from neuropipe.evaluation.decoding import validation_score
from neuropipe.model_selection import TimeOrderedSplit

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs" / "decoding.md"


def _final(model):
    """The fitted estimator behind a search and at the end of a pipeline."""
    if isinstance(model, GridSearchCV):
        model = model.best_estimator_
    if isinstance(model, Pipeline):
        model = model.steps[-1][1]
    return model


def _unfiltered(model, X):
    """Output of the DKF's regressor alone, after any steps before the filter."""
    if isinstance(model, GridSearchCV):
        model = model.best_estimator_
    if isinstance(model, Pipeline):
        X, model = model[:-1].transform(X), model.steps[-1][1]
    return model.predict_unfiltered(X)


def _causal(pipeline):
    return not any(
        k.endswith("bins_after") and v for k, v in pipeline.get_params(deep=True).items()
    )


def run_accuracy(configs):
    rows, fitted = [], {}
    for dataset in dataset_names("decoding"):
        data = get_dataset(dataset).load()
        train, test = next(TimeOrderedSplit(**data.protocol).split(data.X))
        for config in configs:
            name, pipeline = config["name"], config["pipeline"]
            print(f"{dataset}: {name}", flush=True)
            valid = validation_score(pipeline, data.X[train], data.y[train])
            model = clone(pipeline)
            t0 = time.perf_counter()
            model.fit(data.X[train], data.y[train])
            fit_time = time.perf_counter() - t0
            y_true = data.y[test]
            y_pred = model.predict(data.X[test])
            final = _final(model)
            f_alone = np.nan
            if isinstance(final, DiscriminativeKalmanFilter):
                f_alone = r2(y_true, _unfiltered(model, data.X[test]))
            chosen = ""
            if isinstance(model, GridSearchCV):
                chosen = ", ".join(
                    f"{k.split('__')[-1]}={v}" for k, v in model.best_params_.items()
                )
            if isinstance(final, DiscriminativeKalmanFilter):
                chosen = (chosen + ", " if chosen else "") + f"q_scale={final.q_scale_:g}"
            per_state = r2(y_true, y_pred, True)
            rows.append(
                {
                    "dataset": dataset,
                    "pipeline": name,
                    "default": not config.get("slow", False),
                    "causal": _causal(pipeline),
                    "valid": valid,
                    "test_x": per_state[0],
                    "test_y": per_state[1],
                    "test": r2(y_true, y_pred),
                    "f_alone": f_alone,
                    "nrmse": nrmse(y_true, y_pred),
                    "maae": maae(y_true, y_pred),
                    "fit_s": fit_time,
                    "chosen": chosen,
                }
            )
            if dataset == "stevenson2011":
                fitted[name] = model
    return pd.DataFrame(rows), fitted


def filterpy_from(kf_model, X):
    """filterpy's KalmanFilter with the model of a fitted KalmanFilterRegressor."""
    kf = KalmanFilter(dim_x=kf_model.A_.shape[0], dim_z=kf_model.H_.shape[0])
    kf.F, kf.H = kf_model.A_.copy(), kf_model.H_.copy()
    kf.Q, kf.R = kf_model.Gamma_.copy(), kf_model.Lambda_.copy()
    kf.x, kf.P = np.zeros(kf.dim_x), kf_model.S_.copy()
    return kf


def run_latency(fitted, n_bins=300, repeat=5):
    data = get_dataset("stevenson2011").load()
    train, test = next(TimeOrderedSplit(**data.protocol).split(data.X))
    X_test = data.X[test][:n_bins]
    kf = KalmanFilterRegressor().fit(data.X[train], data.y[train])
    Xc = X_test - kf.feature_mean_

    def filterpy_steps():
        ref = filterpy_from(kf, Xc)
        for x in Xc:
            ref.predict()
            ref.update(x)

    def dkf_steps(model):
        model.init_state()
        for x in X_test:
            model.step(x)

    with threadpool_limits(1):
        ref = min(timeit.repeat(filterpy_steps, number=1, repeat=repeat)) / n_bins
        rows = [("filterpy KalmanFilter predict + update (171 units, 2 states)", ref, "")]
        for name, model in fitted.items():
            final = _final(model)
            if not isinstance(final, DiscriminativeKalmanFilter) or final.bins_after:
                continue
            if final is not model and isinstance(
                getattr(model, "best_estimator_", model), Pipeline
            ):
                continue  # steps before the filter (e.g. SpikeHistory) have no online API
            final.init_state()
            online = [final.step(x) for x in X_test[:50]]
            exact = np.max(np.abs(np.array(online) - final.predict(X_test[:50])))
            seconds = min(timeit.repeat(lambda m=final: dkf_steps(m), number=1, repeat=repeat))
            rows.append((f"{name} step()", seconds / n_bins, f"{exact:.1e}"))
    lines = [
        "| operation | per bin | ratio to filterpy | max \\|step - predict\\| |",
        "|---|---|---|---|",
    ]
    for name, seconds, exact in rows:
        lines.append(f"| {name} | {seconds * 1e6:.0f} µs | {seconds / ref:.2f} | {exact} |")
    return "\n".join(lines)


def format_accuracy(table):
    lines = []
    for dataset, part in table.groupby("dataset", sort=False):
        lines += [
            f"**{dataset}**",
            "",
            "| pipeline | default | causal | valid R² | test R² (x, y) | test R² | f alone | "
            "nRMSE | MAAE | fit (s) | chosen on training bins |",
            "|---|---|---|---|---|---|---|---|---|---|---|",
        ]
        for _, r in part.iterrows():
            f_alone = "" if np.isnan(r.f_alone) else f"{r.f_alone:.3f}"
            lines.append(
                f"| {r.pipeline} | {'yes' if r.default else 'slow'} | "
                f"{'yes' if r.causal else 'no'} | {r.valid:.3f} | {r.test_x:.3f}, {r.test_y:.3f} "
                f"| {r.test:.3f} | {f_alone} | {r.nrmse:.3f} | {r.maae:.3f} | {r.fit_s:.1f} | "
                f"{r.chosen} |"
            )
        lines.append("")
    return "\n".join(lines)


def targets(table):
    out = []
    causal_dkf = table[table.causal & table.pipeline.str.startswith("DKF")]
    s = table[table.dataset == "stevenson2011"].set_index("pipeline")
    sd = causal_dkf[causal_dkf.dataset == "stevenson2011"]
    by_valid = sd.loc[sd.valid.idxmax()]
    best = sd.loc[sd.test.idxmax()]
    wiener = s.loc["Wiener", "test"]
    out.append(
        f"- stevenson2011: Wiener test R² {wiener:.3f}; causal DKF picked by validation R² "
        f"({by_valid.pipeline}) {by_valid.test:.3f} ({by_valid.test - wiener:+.3f}); best causal "
        f"DKF on test ({best.pipeline}) {best.test:.3f} ({best.test - wiener:+.3f}). Target "
        f"+0.05: {'met' if by_valid.test - wiener >= 0.05 else 'NOT met'}."
    )
    f = table[table.dataset == "flint2012"].set_index("pipeline")
    fd = causal_dkf[causal_dkf.dataset == "flint2012"]
    kf = f.loc["KF", "nrmse"]
    by_valid = fd.loc[fd.valid.idxmax()]
    best = fd.loc[fd.nrmse.idxmin()]
    gain = 100 * (by_valid.nrmse / kf - 1)
    out.append(
        f"- flint2012: KF nRMSE {kf:.3f}; causal DKF picked by validation R² "
        f"({by_valid.pipeline}) {by_valid.nrmse:.3f} ({gain:+.1f} %); lowest causal DKF on test "
        f"({best.pipeline}) {best.nrmse:.3f} ({100 * (best.nrmse / kf - 1):+.1f} %). Target "
        f"-25 %: {'met' if gain <= -25 else 'NOT met'}."
    )
    return "\n".join(out)


def write_section(text, marker):
    doc = DOCS.read_text()
    start, end = f"<!-- {marker}:start -->", f"<!-- {marker}:end -->"
    block = f"{start}\n{text}\n{end}"
    if start in doc:
        doc = re.sub(re.escape(start) + ".*?" + re.escape(end), lambda _: block, doc, flags=re.S)
    else:
        doc += f"\n{block}\n"
    DOCS.write_text(doc)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--pipelines", default=str(ROOT / "pipelines" / "decoding"))
    parser.add_argument("--only", nargs="*", help="pipeline names to run (default: all)")
    parser.add_argument("--write-docs", action="store_true")
    args = parser.parse_args()
    warnings.filterwarnings("ignore", category=ConvergenceWarning)
    configs = load_pipelines(args.pipelines, include_slow=True)
    if args.only:
        configs = [c for c in configs if c["name"] in args.only]
    t0 = time.perf_counter()
    table, fitted = run_accuracy(configs)
    accuracy = format_accuracy(table)
    summary = targets(table) if not args.only else ""
    latency = run_latency(fitted)
    stamp = (
        f"Produced by `python benchmarks/bench_decoding.py` on {time.strftime('%Y-%m-%d')} "
        f"({platform.machine()}, Python {platform.python_version()}; "
        f"{time.perf_counter() - t0:.0f} s on a shared 2-core machine)."
    )
    print(accuracy, summary, "", latency, "", stamp, sep="\n")
    table.to_csv(ROOT / "docs" / "decoding_results.csv", index=False)
    if args.write_docs and not args.only:
        write_section(f"{accuracy}\n{summary}\n\n{stamp}", "bench-decoding")
        write_section(f"{latency}\n\n{stamp}", "bench-latency")


if __name__ == "__main__":
    main()
