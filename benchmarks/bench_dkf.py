"""Discriminative Kalman filter benchmarks: speed against filterpy, accuracy on real data.

Speed (default): per-step cost of ``DiscriminativeKalmanFilter.step`` (d=2 states,
m=10 features, linear f, constant Q) against ``filterpy.kalman.KalmanFilter``
``predict()`` + ``update()`` on the same bins, and batch prediction over 1000 bins
against ``KalmanFilter.batch_filter``. Reported as ratios measured in the same run.

Accuracy (``--accuracy``, a few minutes): the DKF paper's flint2012 protocol over
several seeds, and the stevenson2011 comparison of the DKF, the Kalman filter, a Wiener
filter and unfiltered scikit-learn regressors.

Results go to stdout and, with ``--write-docs``, into the marked sections of
``docs/decoding.md``. BLAS runs single-threaded (threadpoolctl) for stable timings.

Usage::

    nice -n 10 .venv/bin/python benchmarks/bench_dkf.py --write-docs
    nice -n 10 .venv/bin/python benchmarks/bench_dkf.py --accuracy --write-docs
"""

from __future__ import annotations

import argparse
import platform
import re
import time
import timeit
from pathlib import Path

import numpy as np
from filterpy.kalman import KalmanFilter
from sklearn.decomposition import PCA
from sklearn.ensemble import HistGradientBoostingRegressor
from sklearn.linear_model import LinearRegression, Ridge
from sklearn.multioutput import MultiOutputRegressor
from sklearn.neural_network import MLPRegressor
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from threadpoolctl import threadpool_limits
from tqdm.auto import tqdm

from neuropipe.datasets.decoding import load_flint2012, load_stevenson2011
from neuropipe.decoders import (
    DiscriminativeKalmanFilter,
    KalmanFilterRegressor,
    NadarayaWatsonRegressor,
    SpikeHistory,
    maae,
    nrmse,
    r2,
)
from neuropipe.model_selection import TimeOrderedSplit

DOCS = Path(__file__).resolve().parents[1] / "docs" / "decoding.md"


def simulate(n, d=2, m=10, seed=0):
    """Linear-Gaussian decoding data: AR(1) velocity, linear tuning plus noise."""
    rng = np.random.default_rng(seed)
    A = np.array([[0.95, 0.05], [-0.05, 0.9]])[:d, :d]
    z = np.zeros((n, d))
    for t in range(1, n):
        z[t] = A @ z[t - 1] + 0.3 * rng.standard_normal(d)
    X = z @ rng.standard_normal((d, m)) + rng.standard_normal((n, m))
    return X, z


def filterpy_from(kf_model):
    """A filterpy KalmanFilter with our least-squares parameters, prior N(0, S)."""
    kf = KalmanFilter(dim_x=kf_model.A_.shape[0], dim_z=kf_model.H_.shape[0])
    kf.F, kf.H = kf_model.A_.copy(), kf_model.H_.copy()
    kf.Q, kf.R = kf_model.Gamma_.copy(), kf_model.Lambda_.copy()
    kf.x, kf.P = np.zeros(kf.dim_x), kf_model.S_.copy()
    return kf


def best_of(fn, repeat):
    return min(timeit.repeat(fn, number=1, repeat=repeat))


def bench_speed(repeat=7):
    X, z = simulate(6000)
    X_train, z_train, X_test = X[:5000], z[:5000], X[5000:]
    kf_model = KalmanFilterRegressor(fit_intercept=False).fit(X_train, z_train)
    dkf = DiscriminativeKalmanFilter(
        regressor=LinearRegression(fit_intercept=False), fit_intercept=False, random_state=0
    ).fit(X_train, z_train)
    dkf_nw = DiscriminativeKalmanFilter(random_state=0).fit(X_train, z_train)

    # sanity: our Kalman filter and filterpy agree on these bins
    ref = filterpy_from(kf_model)
    ours = kf_model.predict(X_test)
    fp_means = []
    for t, x in enumerate(X_test):
        if t:
            ref.predict()
        ref.update(x)
        fp_means.append(ref.x.copy())
    max_diff = float(np.max(np.abs(np.array(fp_means) - ours)))

    def run_filterpy_steps():
        kf = filterpy_from(kf_model)
        for x in X_test:
            kf.predict()
            kf.update(x)

    def run_dkf_steps(model):
        model.init_state()
        for x in X_test:
            model.step(x)

    rows = {}
    tasks = {
        "filterpy KF step (predict + update)": run_filterpy_steps,
        "DKF step, linear f, constant Q": lambda: run_dkf_steps(dkf),
        "DKF step, Nadaraya-Watson f (5000 points)": lambda: run_dkf_steps(dkf_nw),
        "filterpy KF batch_filter, 1000 bins": lambda: filterpy_from(kf_model).batch_filter(X_test),
        "DKF predict, linear f, 1000 bins": lambda: dkf.predict(X_test),
        "KalmanFilterRegressor predict, 1000 bins": lambda: kf_model.predict(X_test),
    }
    for name, fn in tqdm(tasks.items(), desc="speed"):
        rows[name] = best_of(fn, repeat)
    step_ref = rows["filterpy KF step (predict + update)"]
    batch_ref = rows["filterpy KF batch_filter, 1000 bins"]
    lines = [
        "| operation | time | ratio to filterpy |",
        "|---|---|---|",
    ]
    for name, seconds in rows.items():
        per_step = "step" in name
        ref = step_ref if per_step else batch_ref
        shown = (
            f"{seconds / len(X_test) * 1e6:.1f} µs / step"
            if per_step
            else f"{seconds * 1e3:.2f} ms"
        )
        lines.append(f"| {name} | {shown} | {seconds / ref:.2f} |")
    lines.append("")
    lines.append(
        f"d = 2 states, m = 10 features, best of {repeat} runs over 1000 bins, BLAS on one "
        f"thread; max |KalmanFilterRegressor - filterpy| on these bins: {max_diff:.1e}. "
        f"Target: DKF step within 2x of filterpy's KF step "
        f"({'met' if rows['DKF step, linear f, constant Q'] <= 2 * step_ref else 'NOT met'})."
    )
    return "\n".join(lines)


def _paper_protocol(data):
    return data.X[:5000], data.y[:5000], data.X[5000:6000], data.y[5000:6000]


def bench_flint(seeds=range(5)):
    data = load_flint2012()
    X_train, z_train, X_test, z_test = _paper_protocol(data)
    kf = KalmanFilterRegressor(fit_intercept=False).fit(X_train, z_train).predict(X_test)
    kf_nrmse, kf_maae = nrmse(z_test, kf), maae(z_test, kf)
    variants = {
        "DKF-NW, constant Q (default)": {"q_estimator": "constant"},
        "DKF-NW, kernel Q (paper)": {"q_estimator": "kernel"},
        "robust DKF-NW, constant Q": {"q_estimator": "constant", "robust": True},
        "robust DKF-NW, kernel Q": {"q_estimator": "kernel", "robust": True},
    }
    scores = {name: [] for name in [*variants, "unfiltered NW"]}
    for seed in tqdm(list(seeds), desc="flint2012 seeds"):
        for name, params in variants.items():
            model = DiscriminativeKalmanFilter(random_state=seed, **params).fit(X_train, z_train)
            pred = model.predict(X_test)
            scores[name].append((nrmse(z_test, pred), maae(z_test, pred)))
            if name.startswith("DKF-NW, constant"):
                f = model.regressor_.predict(X_test)
                scores["unfiltered NW"].append((nrmse(z_test, f), maae(z_test, f)))
    lines = [
        "| method | nRMSE | vs KF | MAAE (rad) | vs KF |",
        "|---|---|---|---|---|",
        f"| Kalman filter (published: 0.765, 0.889) | {kf_nrmse:.4f} | | {kf_maae:.4f} | |",
    ]
    for name, vals in scores.items():
        v = np.array(vals)
        gain = 100 * (v / [kf_nrmse, kf_maae] - 1)
        lines.append(
            f"| {name} | {v[:, 0].mean():.4f} ± {v[:, 0].std():.4f} | "
            f"{gain[:, 0].mean():+.1f} % | {v[:, 1].mean():.4f} ± {v[:, 1].std():.4f} | "
            f"{gain[:, 1].mean():+.1f} % |"
        )
    lines.append("")
    lines.append(
        f"Train rows 0-4999, test 5000-5999; mean ± sd over random_state {list(seeds)} "
        f"(the 70/30 hold-out draw and the bandwidth subsample). Published DKF-NW on this "
        f"session: about -21 % nRMSE and -15 % MAAE."
    )
    return "\n".join(lines)


def stevenson_pipelines():
    def hist(k, n_pc, final):
        return make_pipeline(
            SpikeHistory(bins_before=k), StandardScaler(), PCA(n_pc, random_state=0), final
        )

    return {
        "Kalman filter (counts, standardised)": make_pipeline(
            StandardScaler(), KalmanFilterRegressor()
        ),
        "Wiener filter (13 bins, ridge alpha=1)": make_pipeline(
            SpikeHistory(bins_before=12), StandardScaler(), Ridge(alpha=1.0)
        ),
        "DKF-NW (current bin, 10 PCs)": make_pipeline(
            StandardScaler(), PCA(10, random_state=0), DiscriminativeKalmanFilter(random_state=42)
        ),
        "unfiltered NW (current bin, 10 PCs)": make_pipeline(
            StandardScaler(), PCA(10, random_state=0), NadarayaWatsonRegressor(random_state=42)
        ),
        "DKF-NW (benchmark pipeline: 5 bins, 10 PCs)": hist(
            4, 10, DiscriminativeKalmanFilter(random_state=42)
        ),
        "unfiltered NW (5 bins, 10 PCs)": hist(4, 10, NadarayaWatsonRegressor(random_state=42)),
        "DKF-NW (13 bins, 20 PCs)": hist(12, 20, DiscriminativeKalmanFilter(random_state=42)),
        "unfiltered NW (13 bins, 20 PCs)": hist(12, 20, NadarayaWatsonRegressor(random_state=42)),
        "unfiltered gradient boosting (13 bins, 40 PCs)": hist(
            12, 40, MultiOutputRegressor(HistGradientBoostingRegressor(random_state=0))
        ),
        "unfiltered MLP (13 bins, 128 units)": make_pipeline(
            SpikeHistory(bins_before=12),
            StandardScaler(),
            MLPRegressor(hidden_layer_sizes=(128,), alpha=1.0, early_stopping=True, random_state=0),
        ),
    }


def bench_stevenson():
    data = load_stevenson2011()
    train, test = next(TimeOrderedSplit(0.7, 0.15, gap=0.15).split(data.X))
    valid = np.arange(train[-1] + 1, test[0])
    lines = [
        "| decoder | R² valid (x, y) | R² test (x, y) | nRMSE test | MAAE test | fit (s) |",
        "|---|---|---|---|---|---|",
    ]
    for name, pipe in tqdm(stevenson_pipelines().items(), desc="stevenson2011"):
        t0 = time.perf_counter()
        pipe.fit(data.X[train], data.y[train])
        fit_time = time.perf_counter() - t0
        pv, pt = pipe.predict(data.X[valid]), pipe.predict(data.X[test])
        rv, rt = r2(data.y[valid], pv, True), r2(data.y[test], pt, True)
        lines.append(
            f"| {name} | {rv[0]:.3f}, {rv[1]:.3f} | {rt[0]:.3f}, {rt[1]:.3f} | "
            f"{nrmse(data.y[test], pt):.3f} | {maae(data.y[test], pt):.3f} | {fit_time:.1f} |"
        )
    lines.append("")
    lines.append(
        "Contiguous split: first 70 % train, next 15 % validation, last 15 % test. "
        "Reference figures (PROVENANCE.md): Wiener with 13 bins about 0.82 / 0.76, Kalman "
        "filter on counts about 0.60 / 0.50 — they match our validation column."
    )
    return "\n".join(lines)


def write_section(name, body, command):
    text = DOCS.read_text()
    start, end = f"<!-- {name}:start -->", f"<!-- {name}:end -->"
    stamp = (
        f"Produced by `{command}` on {time.strftime('%Y-%m-%d')} "
        f"({platform.processor() or platform.machine()}, Python {platform.python_version()})."
    )
    new = f"{start}\n{body}\n\n{stamp}\n{end}"
    pattern = re.compile(re.escape(start) + ".*?" + re.escape(end), re.S)
    if not pattern.search(text):
        raise RuntimeError(f"{DOCS} lacks the markers {start} ... {end}.")
    DOCS.write_text(pattern.sub(lambda _: new, text))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--accuracy",
        action="store_true",
        help="run the flint2012 and stevenson2011 accuracy comparisons",
    )
    parser.add_argument(
        "--write-docs", action="store_true", help="write the tables into docs/decoding.md"
    )
    args = parser.parse_args()
    command = "python benchmarks/bench_dkf.py" + (" --accuracy" if args.accuracy else "")
    with threadpool_limits(1):
        sections = {"bench-speed": bench_speed()}
        if args.accuracy:
            sections["bench-flint2012"] = bench_flint()
            sections["bench-stevenson2011"] = bench_stevenson()
    for name, body in sections.items():
        print(f"\n## {name}\n{body}")
        if args.write_docs:
            write_section(name, body, command)


if __name__ == "__main__":
    main()
