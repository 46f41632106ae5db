"""Figures of a benchmark that a person reads at a glance.

Each ``plot_*`` function takes a results table (as written by ``neuropipe benchmark``) or
fitted-model inputs and returns a :class:`matplotlib.figure.Figure`:

- :func:`plot_scores`: score per pipeline and dataset (box + points) with chance levels;
- :func:`plot_pairwise`: MOABB-style paired statistics of every pipeline pair
  (:func:`pairwise_statistics`) as a heat map of score differences;
- :func:`plot_fit_time`: fit time per pipeline on a log scale;
- :func:`plot_leakage`: optimistic (selection on all trials) vs leak-free scores;
- :func:`plot_decoding_scores`: R² and nRMSE of continuous decoders;
- :func:`plot_decoded_trajectories`: true vs decoded hand velocity;
- :func:`plot_r2_maps`: R² maps of the feature-selection steps of spectral pipelines;
- :func:`plot_confusion`: cross-validated confusion matrix of one pipeline.
"""

from __future__ import annotations

import contextlib

import numpy as np
import pandas as pd

__all__ = [
    "pipeline_palette",
    "plot_scores",
    "pairwise_statistics",
    "plot_pairwise",
    "plot_fit_time",
    "plot_leakage",
    "plot_decoding_scores",
    "plot_decoded_trajectories",
    "plot_r2_maps",
    "plot_confusion",
]

_SCORING_LABELS = {"roc_auc": "ROC AUC", "accuracy": "accuracy", "balanced_accuracy": "bal. acc."}
_STYLE = {
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.grid": True,
    "axes.grid.axis": "x",
    "grid.color": "#e3e3e3",
    "grid.linewidth": 0.8,
    "axes.axisbelow": True,
    "axes.titlesize": 11,
    "axes.titleweight": "bold",
    "axes.labelsize": 10,
    "xtick.labelsize": 9,
    "ytick.labelsize": 9,
    "legend.fontsize": 9,
    "legend.frameon": False,
    "figure.dpi": 100,
}


@contextlib.contextmanager
def _style(**overrides):
    import matplotlib.pyplot as plt

    with plt.rc_context({**_STYLE, **overrides}):
        yield


def _check_columns(table, columns, name):
    if not isinstance(table, pd.DataFrame):
        raise TypeError(f"{name} must be a pandas DataFrame, got {type(table).__name__}.")
    missing = [c for c in columns if c not in table.columns]
    if missing:
        raise ValueError(
            f"{name} lacks the columns {missing}; it needs {list(columns)} (as written by "
            f"'neuropipe benchmark'), got {list(table.columns)}."
        )
    if table.empty:
        raise ValueError(f"{name} has no rows: nothing to plot.")


def pipeline_palette(names):
    """One colour per pipeline, stable for a given set of names.

    Parameters
    ----------
    names : iterable of str
        Pipeline names (duplicates allowed).

    Returns
    -------
    palette : dict of str to tuple
        Name -> RGBA colour: ``tab10``, then ``Dark2`` beyond 10 names (then again), in
        sorted order.

    Examples
    --------
    >>> palette = pipeline_palette(["TS+LR", "CSP+LDA", "TS+LR"])
    >>> list(palette)
    ['CSP+LDA', 'TS+LR']
    """
    import matplotlib

    colours = [*matplotlib.colormaps["tab10"].colors, *matplotlib.colormaps["Dark2"].colors]
    unique = sorted({str(n) for n in names})
    return {name: (*colours[i % len(colours)], 1.0) for i, name in enumerate(unique)}


def _facets(results):
    keys = ["dataset"]
    if (
        "evaluation" in results.columns
        and results.groupby("dataset")["evaluation"].nunique().max() > 1
    ):
        keys.append("evaluation")
    return list(results.groupby(keys, sort=True)), keys


def _grid(n_panels, ncols, panel_w, panel_h):
    import matplotlib.pyplot as plt

    ncols = min(ncols, n_panels)
    nrows = int(np.ceil(n_panels / ncols))
    fig, axes = plt.subplots(
        nrows, ncols, figsize=(panel_w * ncols, panel_h * nrows), squeeze=False
    )
    for ax in axes.flat[n_panels:]:
        ax.set_visible(False)
    return fig, list(axes.flat[:n_panels])


def _boxes(ax, groups, labels, colors):
    """Horizontal light boxes, one row per label (the first on top); returns the rows."""
    import matplotlib

    positions = np.arange(len(groups))[::-1]
    # ``orientation`` replaces ``vert`` from matplotlib 3.10
    horizontal = (
        {"orientation": "horizontal"}
        if tuple(map(int, matplotlib.__version__.split(".")[:2])) >= (3, 10)
        else {"vert": False}
    )
    boxes = ax.boxplot(
        groups,
        positions=positions,
        **horizontal,
        widths=0.55,
        patch_artist=True,
        showfliers=False,
        medianprops=dict(color="#333333", lw=1.5),
        whiskerprops=dict(color="#888888"),
        capprops=dict(color="#888888"),
    )
    for patch, color in zip(boxes["boxes"], colors):
        patch.set(facecolor=(*color[:3], 0.18), edgecolor=color, lw=1.2)
    ax.set_yticks(positions)
    ax.set_yticklabels(labels)
    ax.set_ylim(-0.7, len(groups) - 0.3)
    return positions


def _strip(ax, values, row, color, rng):
    jitter = rng.uniform(-0.17, 0.17, size=len(values))
    ax.scatter(values, row + jitter, s=24, color=color, edgecolor="white", lw=0.5, zorder=3)


def plot_scores(results, *, palette=None, title=None, random_state=0):
    """Score of every pipeline on every dataset: boxes, points and chance levels.

    Parameters
    ----------
    results : pandas.DataFrame
        One row per evaluation unit (subject and session, or fold) with columns
        ``dataset``, ``pipeline`` and ``score``; optional ``chance`` and ``chance_p95``
        (drawn as vertical lines), ``scoring`` (axis label) and ``evaluation`` (a panel
        per dataset and evaluation when a dataset has several).
    palette : dict of str to colour | None
        Colour per pipeline; default :func:`pipeline_palette`.
    title : str | None
        Figure title.
    random_state : int
        Seed of the vertical jitter of the points.

    Returns
    -------
    fig : matplotlib.figure.Figure
        One panel per dataset, pipelines sorted by mean score (best on top); a black
        diamond marks each mean.

    Examples
    --------
    >>> import pandas as pd
    >>> res = pd.DataFrame({"dataset": "d", "pipeline": ["a", "a", "b", "b"],
    ...                     "score": [0.6, 0.7, 0.5, 0.55], "chance": 0.5})
    >>> fig = plot_scores(res)
    >>> [t.get_text() for t in fig.axes[0].get_yticklabels()]
    ['a', 'b']
    """
    import matplotlib.pyplot as plt

    _check_columns(results, ["dataset", "pipeline", "score"], "results")
    palette = palette or pipeline_palette(results["pipeline"])
    rng = np.random.default_rng(random_state)
    facets, keys = _facets(results)
    n_rows = max(frame["pipeline"].nunique() for _, frame in facets)
    with _style():
        fig, axes = _grid(len(facets), 2, 5.2, 0.42 * n_rows + 1.4)
        for ax, (key, frame) in zip(axes, facets):
            means = frame.groupby("pipeline")["score"].mean().sort_values(ascending=False)
            groups = [frame.loc[frame["pipeline"] == p, "score"].to_numpy() for p in means.index]
            colors = [palette[p] for p in means.index]
            rows = _boxes(ax, groups, means.index, colors)
            for row, values, color in zip(rows, groups, colors):
                _strip(ax, values, row, color, rng)
                ax.scatter(np.mean(values), row, marker="D", s=28, color="black", zorder=4)
            if "chance" in frame.columns:
                ax.axvline(frame["chance"].mean(), color="#444444", ls="--", lw=1, label="chance")
            if "chance_p95" in frame.columns and frame["chance_p95"].notna().any():
                ax.axvline(
                    frame["chance_p95"].mean(),
                    color="#c0392b",
                    ls=":",
                    lw=1.4,
                    label="chance, p < 0.05",
                )
            key = key if isinstance(key, tuple) else (key,)
            ax.set_title(" / ".join(str(k) for k in key))
            scoring = frame["scoring"].iloc[0] if "scoring" in frame.columns else "score"
            ax.set_xlabel(_SCORING_LABELS.get(scoring, scoring))
        handles, labels = axes[0].get_legend_handles_labels()
        if handles:
            fig.legend(handles, labels, loc="lower center", ncols=len(labels))
        if title:
            fig.suptitle(title, fontweight="bold")
        fig.tight_layout(rect=(0, 0.4 / fig.get_figheight() if handles else 0, 1, 1))
    plt.close(fig)
    return fig


def pairwise_statistics(results, *, perm_cutoff=20):
    """MOABB's meta-analysis of every pipeline pair, over subjects and datasets.

    Sessions are averaged within subjects; on each dataset (and evaluation, when the
    table has several) every pair of pipelines gets a one-sided paired test over
    subjects (exact permutation t-test below ``perm_cutoff`` subjects, Wilcoxon above:
    ``moabb.analysis.meta_analysis``) and a standardised mean difference; datasets are
    then combined with Stouffer's method, weighted by the square root of their number
    of subjects, as ``moabb.analysis.meta_analysis.find_significant_differences`` does,
    but over only the datasets where both pipelines ran.

    Parameters
    ----------
    results : pandas.DataFrame
        Columns ``dataset``, ``pipeline``, ``subject`` and ``score``; optional
        ``evaluation`` (each dataset and evaluation is then one study of the
        meta-analysis).
    perm_cutoff : int
        Subjects from which the Wilcoxon test replaces the permutation test.

    Returns
    -------
    stats : pandas.DataFrame
        One row per ordered pair: ``pipe1``, ``pipe2``, ``diff`` (mean of
        ``score(pipe1) - score(pipe2)`` over subjects, datasets weighted as above),
        ``smd`` (combined standardised mean difference), ``p`` (combined one-sided
        p-value of ``pipe1 > pipe2``), ``datasets`` and ``subjects`` (total). Pairs
        that never ran on a common dataset with 2 subjects or more are absent.

    Examples
    --------
    >>> import pandas as pd
    >>> res = pd.DataFrame({"dataset": "d", "subject": [1, 2, 3, 1, 2, 3],
    ...                     "pipeline": ["a"] * 3 + ["b"] * 3,
    ...                     "score": [0.8, 0.7, 0.9, 0.6, 0.5, 0.7]})
    >>> st = pairwise_statistics(res)
    >>> st.loc[st.pipe1 == "a", ["pipe2", "diff", "subjects"]].values.tolist()
    [['b', 0.2, 3]]
    """
    from moabb.analysis.meta_analysis import (
        combine_effects,
        combine_pvalues,
        compute_effect,
        compute_pvals_perm,
        compute_pvals_wilcoxon,
    )

    _check_columns(results, ["dataset", "pipeline", "subject", "score"], "results")
    keys = ["dataset", "evaluation"] if "evaluation" in results.columns else ["dataset"]
    scores = results.groupby([*keys, "pipeline", "subject"], as_index=False)["score"].mean()
    rows = []
    for _, frame in scores.groupby(keys, sort=True):
        table = frame.pivot(index="subject", columns="pipeline", values="score").dropna(axis=1)
        if table.shape[0] < 2 or table.shape[1] < 2:
            continue
        algs = table.columns.tolist()
        if table.shape[0] < perm_cutoff:
            p = compute_pvals_perm(table, algs, seed=0)
        else:
            p = compute_pvals_wilcoxon(table, algs)
        smd = compute_effect(table, algs)
        for i, a in enumerate(algs):
            for j, b in enumerate(algs):
                if i != j:
                    rows.append(
                        {
                            "pipe1": a,
                            "pipe2": b,
                            "diff": float((table[a] - table[b]).mean()),
                            "smd": smd[i, j],
                            "p": p[i, j],
                            "nsub": table.shape[0],
                        }
                    )
    columns = ["pipe1", "pipe2", "diff", "smd", "p", "datasets", "subjects"]
    if not rows:
        return pd.DataFrame(columns=columns)
    combined = []
    for (a, b), frame in pd.DataFrame(rows).groupby(["pipe1", "pipe2"], sort=True):
        nsub = frame["nsub"].to_numpy(dtype=float)
        combined.append(
            {
                "pipe1": a,
                "pipe2": b,
                "diff": round(float(combine_effects(frame["diff"].to_numpy(), nsub)), 12),
                "smd": float(combine_effects(frame["smd"].to_numpy(), nsub)),
                "p": float(combine_pvalues(frame["p"].to_numpy(), nsub)),
                "datasets": len(frame),
                "subjects": int(nsub.sum()),
            }
        )
    return pd.DataFrame(combined, columns=columns)


def _stars(p):
    return "***" if p < 0.001 else "**" if p < 0.01 else "*" if p < 0.05 else ""


def plot_pairwise(stats, *, order=None, title=None):
    """Heat map of the mean score difference of every pipeline pair, with significance.

    Parameters
    ----------
    stats : pandas.DataFrame
        Output of :func:`pairwise_statistics`.
    order : list of str | None
        Pipelines in row/column order; default best (highest mean difference) first.
    title : str | None
        Figure title.

    Returns
    -------
    fig : matplotlib.figure.Figure
        Cell (row, column) holds ``score(row) - score(column)``, red when the row
        pipeline scores higher; stars mark a one-sided combined p-value of row > column
        below 0.05 (*), 0.01 (**) or 0.001 (***). Grey cells never ran together.

    Examples
    --------
    >>> import pandas as pd
    >>> st = pd.DataFrame({"pipe1": ["a", "b"], "pipe2": ["b", "a"], "diff": [0.2, -0.2],
    ...                    "smd": [2.0, -2.0], "p": [0.01, 0.99]})
    >>> fig = plot_pairwise(st)
    >>> sorted(t.get_text() for t in fig.axes[0].texts if t.get_text())
    ['+0.20*', '-0.20']
    """
    import matplotlib.pyplot as plt

    _check_columns(stats, ["pipe1", "pipe2", "diff", "p"], "stats")
    if order is None:
        order = stats.groupby("pipe1")["diff"].mean().sort_values(ascending=False).index.tolist()
    n = len(order)
    index = {name: i for i, name in enumerate(order)}
    diff = np.full((n, n), np.nan)
    pval = np.full((n, n), np.nan)
    for row in stats.itertuples():
        if row.pipe1 in index and row.pipe2 in index:
            diff[index[row.pipe1], index[row.pipe2]] = row.diff
            pval[index[row.pipe1], index[row.pipe2]] = row.p
    vmax = float(np.nanmax(np.abs(diff))) if np.isfinite(diff).any() else 1.0
    size = 0.62 * n + 2.6
    with _style(**{"axes.grid": False}):
        fig, ax = plt.subplots(figsize=(size + 1.4, size))
        cmap = plt.get_cmap("RdBu_r").with_extremes(bad="#f0f0f0")
        image = ax.imshow(np.ma.masked_invalid(diff), cmap=cmap, vmin=-vmax, vmax=vmax)
        for i in range(n):
            for j in range(n):
                if i == j or np.isnan(diff[i, j]):
                    continue
                strong = abs(diff[i, j]) > 0.6 * vmax
                ax.text(
                    j,
                    i,
                    f"{diff[i, j]:+.2f}{_stars(pval[i, j])}",
                    ha="center",
                    va="center",
                    fontsize=8.5,
                    color="white" if strong else "#222222",
                )
        ax.set_xticks(range(n))
        ax.set_xticklabels(order, rotation=40, ha="right")
        ax.set_yticks(range(n))
        ax.set_yticklabels(order)
        ax.set_xlabel("compared with (column)")
        ax.set_ylabel("pipeline (row)")
        ax.tick_params(length=0)
        for spine in ax.spines.values():
            spine.set_visible(False)
        fig.colorbar(image, ax=ax, shrink=0.8, label="mean score difference (row − column)")
        ax.set_title(
            title or "Row minus column; * p<.05, ** p<.01, *** p<.001 (row > column)",
            fontsize=9.5,
            fontweight="normal",
        )
        fig.tight_layout()
    plt.close(fig)
    return fig


def plot_fit_time(results, *, title=None, random_state=0):
    """Fit time of each pipeline on a log scale, one point per subject and dataset.

    Parameters
    ----------
    results : pandas.DataFrame
        Columns ``dataset``, ``pipeline`` and ``time`` (mean fit seconds of a fold).
    title : str | None
        Figure title.
    random_state : int
        Seed of the vertical jitter of the points.

    Returns
    -------
    fig : matplotlib.figure.Figure
        Pipelines sorted by median time (slowest on top), points coloured by dataset.

    Examples
    --------
    >>> import pandas as pd
    >>> res = pd.DataFrame({"dataset": "d", "pipeline": ["a", "b"], "time": [0.01, 2.0]})
    >>> fig = plot_fit_time(res)
    >>> fig.axes[0].get_xscale()
    'log'
    """
    import matplotlib
    import matplotlib.pyplot as plt

    _check_columns(results, ["dataset", "pipeline", "time"], "results")
    rng = np.random.default_rng(random_state)
    medians = results.groupby("pipeline")["time"].median().sort_values(ascending=False)
    datasets = sorted(results["dataset"].unique())
    cmap = matplotlib.colormaps["Set2"]
    colours = {d: cmap(i % cmap.N) for i, d in enumerate(datasets)}
    with _style():
        fig, ax = plt.subplots(figsize=(8.5, 0.42 * len(medians) + 1.6))
        groups = [results.loc[results["pipeline"] == p, "time"].to_numpy() for p in medians.index]
        rows = _boxes(ax, groups, medians.index, [(0.55, 0.55, 0.55, 1.0)] * len(groups))
        for row, name in zip(rows, medians.index):
            frame = results[results["pipeline"] == name]
            for dataset, sub in frame.groupby("dataset"):
                _strip(ax, sub["time"], row, colours[dataset], rng)
        ax.set_xscale("log")
        ax.set_xlabel("fit time per fold (s, log scale)")
        handles = [
            matplotlib.lines.Line2D([], [], ls="", marker="o", color=colours[d], label=d)
            for d in datasets
        ]
        ax.legend(handles=handles, loc="lower right")
        if title:
            ax.set_title(title)
        fig.tight_layout()
    plt.close(fig)
    return fig


def plot_leakage(leakage, *, chance=0.5, title=None):
    """Optimistic vs leak-free score of each pipeline that selects features.

    Parameters
    ----------
    leakage : pandas.DataFrame
        Columns ``dataset``, ``pipeline``, ``leak_free`` and ``optimistic`` (as in
        ``leakage.csv``).
    chance : float | None
        Chance score drawn as a dashed line (0.5 for ROC AUC); None draws none.
    title : str | None
        Figure title.

    Returns
    -------
    fig : matplotlib.figure.Figure
        Paired horizontal bars per dataset and pipeline, labelled with the gap.

    Examples
    --------
    >>> import pandas as pd
    >>> leak = pd.DataFrame({"dataset": "d", "pipeline": ["a"], "leak_free": [0.5],
    ...                      "optimistic": [0.8]})
    >>> fig = plot_leakage(leak)
    >>> [round(float(b.get_width()), 2) for b in fig.axes[0].patches]
    [0.5, 0.8]
    """
    import matplotlib.pyplot as plt

    _check_columns(leakage, ["dataset", "pipeline", "leak_free", "optimistic"], "leakage")
    table = leakage.sort_values(["dataset", "optimistic"], ascending=[True, True])
    labels = [f"{p}\n({d})" for d, p in zip(table["dataset"], table["pipeline"])]
    y = np.arange(len(table))
    with _style():
        fig, ax = plt.subplots(figsize=(8.5, 0.75 * len(table) + 1.5))
        ax.barh(
            y - 0.19,
            table["leak_free"],
            height=0.36,
            color="#2e86c1",
            label="leak-free: selection inside each fold",
        )
        ax.barh(
            y + 0.19,
            table["optimistic"],
            height=0.36,
            color="#e67e22",
            label="optimistic: selection on all trials",
        )
        for yi, lo, hi in zip(y, table["leak_free"], table["optimistic"]):
            ax.text(max(lo, hi) + 0.01, yi, f"gap {hi - lo:+.2f}", va="center", fontsize=9)
        if chance is not None:
            ax.axvline(chance, color="#444444", ls="--", lw=1, label="chance")
        ax.set_yticks(y)
        ax.set_yticklabels(labels)
        ax.set_xlim(0, 1.12)
        ax.set_xlabel("ROC AUC (same folds)")
        ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.12 - 0.3 / len(table)), ncols=3)
        if title:
            ax.set_title(title)
        fig.tight_layout()
    plt.close(fig)
    return fig


def plot_decoding_scores(decoding, *, palette=None, title=None):
    """R² (higher is better) and nRMSE (lower is better) of each decoder on each dataset.

    Parameters
    ----------
    decoding : pandas.DataFrame
        Rows of ``decoding.csv``: columns ``dataset``, ``pipeline``, ``score`` (R²) and
        ``nrmse``; when a ``state`` column is present only ``state == "all"`` rows
        (states averaged) are drawn.
    palette : dict of str to colour | None
        Colour per pipeline; default :func:`pipeline_palette`.
    title : str | None
        Figure title.

    Returns
    -------
    fig : matplotlib.figure.Figure
        Two panels of grouped bars (datasets on x, one bar per pipeline), values printed.

    Examples
    --------
    >>> import pandas as pd
    >>> dec = pd.DataFrame({"dataset": "d", "pipeline": ["KF", "DKF"], "state": "all",
    ...                     "score": [0.4, 0.65], "nrmse": [0.78, 0.59]})
    >>> fig = plot_decoding_scores(dec)
    >>> [ax.get_ylabel() for ax in fig.axes]
    ['R² (states averaged)', 'nRMSE']
    """
    import matplotlib.pyplot as plt

    _check_columns(decoding, ["dataset", "pipeline", "score", "nrmse"], "decoding")
    table = decoding[decoding["state"] == "all"] if "state" in decoding.columns else decoding
    table = table.groupby(["dataset", "pipeline"], as_index=False)[["score", "nrmse"]].mean()
    palette = palette or pipeline_palette(table["pipeline"])
    datasets = sorted(table["dataset"].unique())
    pipelines = table.groupby("pipeline")["score"].mean().sort_values().index.tolist()
    width = 0.8 / len(pipelines)
    with _style(**{"axes.grid.axis": "y"}):
        fig, axes = plt.subplots(1, 2, figsize=(10, 3.8))
        for ax, column, label in zip(axes, ["score", "nrmse"], ["R² (states averaged)", "nRMSE"]):
            for k, name in enumerate(pipelines):
                values = [
                    table.loc[(table["dataset"] == d) & (table["pipeline"] == name), column]
                    for d in datasets
                ]
                heights = [v.iloc[0] if len(v) else np.nan for v in values]
                x = np.arange(len(datasets)) - 0.4 + width * (k + 0.5)
                bars = ax.bar(x, heights, width * 0.92, color=palette[name], label=name)
                ax.bar_label(bars, fmt="%.2f", fontsize=8, padding=2)
            ax.set_xticks(np.arange(len(datasets)))
            ax.set_xticklabels(datasets)
            ax.set_ylabel(label)
            ax.set_ylim(0, max(1.0, float(np.nanmax(table[column])) * 1.15))
        axes[0].set_title("R²: higher is better")
        axes[1].set_title("normalised RMSE: lower is better")
        axes[1].legend(loc="upper right", ncols=len(pipelines))
        if title:
            fig.suptitle(title, fontweight="bold")
        fig.tight_layout()
    plt.close(fig)
    return fig


def plot_decoded_trajectories(
    pipelines, dataset="flint2012", *, start=0, n_bins=300, path=None, palette=None
):
    """Fit decoders on a dataset's training bins and overlay their test-set trajectories.

    Parameters
    ----------
    pipelines : dict of str to estimator
        Decoders (cloned), e.g. the KF and DKF-NW of ``pipelines/decoding``.
    dataset : {"flint2012", "stevenson2011"}
        Bundled decoding dataset; its own protocol gives the train / test split
        (flint2012: train bins 0-4999, test 5000-5999, as in the DKF paper).
    start, n_bins : int
        First test bin shown and number of bins shown.
    path : str | Path | None
        Folder holding the dataset files instead of the bundled copy.
    palette : dict of str to colour | None
        Colour per decoder name; default matplotlib's colour cycle.

    Returns
    -------
    fig : matplotlib.figure.Figure
        :func:`neuropipe.decoders.plot_decoded` of the test segment, one panel per state,
        legend entries with each decoder's test R².

    Examples
    --------
    >>> from sklearn.linear_model import Ridge
    >>> fig = plot_decoded_trajectories({"ridge": Ridge()}, n_bins=50)
    >>> len(fig.axes)
    2
    """
    import matplotlib.pyplot as plt
    from cycler import cycler
    from sklearn.base import clone

    from .._validation import check_option
    from ..decoders import plot_decoded, r2
    from ..evaluation.decoding import DECODING_DATASETS, TimeOrderedSplit

    check_option("dataset", dataset, list(DECODING_DATASETS))
    if not pipelines:
        raise ValueError("pipelines must be a non-empty dict {name: estimator}.")
    data = DECODING_DATASETS[dataset](path)
    train, test = next(TimeOrderedSplit(**data.protocol).split(data.X))
    y_test = data.y[test]
    decoded = {}
    for name, pipeline in pipelines.items():
        y_pred = np.reshape(
            clone(pipeline).fit(data.X[train], data.y[train]).predict(data.X[test]), y_test.shape
        )
        decoded[f"{name} (R² {r2(y_test, y_pred):.2f})"] = y_pred
    style = {"axes.grid": False}
    if palette:
        style["axes.prop_cycle"] = cycler(color=[palette[name] for name in pipelines])
    with _style(**style):
        fig = plot_decoded(
            y_test,
            decoded,
            bin_size=data.bin_size,
            state_names=list(data.state_names),
            start=start,
            n_bins=n_bins,
            title=f"{dataset}: test bins {test[0] + start}-{test[0] + start + n_bins - 1}",
        )
    plt.close(fig)
    return fig


def _selection_steps(estimator, prefix=()):
    """Yield (steps before, selector) for every feature selector inside a pipeline."""
    from sklearn.feature_selection import SelectorMixin
    from sklearn.pipeline import FeatureUnion, Pipeline

    if isinstance(estimator, Pipeline):
        steps = list(prefix)
        for name, step in estimator.steps:
            if isinstance(step, SelectorMixin) and steps:
                yield steps, step
            elif isinstance(step, (Pipeline, FeatureUnion)):
                yield from _selection_steps(step, steps)
            steps = [*steps, (name, step)]
    elif isinstance(estimator, FeatureUnion):
        for _, branch in estimator.transformer_list:
            yield from _selection_steps(branch, prefix)


def _stage_key(pipeline):
    """Identity of a feature stage: its steps' classes and every plain parameter value."""
    from sklearn.base import BaseEstimator

    params = pipeline.get_params(deep=True)
    return repr(
        [(name, type(step).__name__) for name, step in pipeline.steps]
        + sorted((k, repr(v)) for k, v in params.items() if not isinstance(v, BaseEstimator))
    )


def _set_channel_names(estimator, ch_names):
    params = {
        key: list(ch_names)
        for key, value in estimator.get_params().items()
        if key.split("__")[-1] == "ch_names" and value is None
    }
    return estimator.set_params(**params) if params else estimator


def _map_axes(names, shape):
    """Channels and frequencies of a (n_channels, n_freqs) grid of ``'C3_12Hz'`` names."""
    grid = np.asarray(names, dtype=str).reshape(shape)
    channels = [name.rsplit("_", 1)[0] for name in grid[:, 0]]
    freqs = [float(name.rsplit("_", 1)[1].removesuffix("Hz")) for name in grid[0]]
    return channels, np.asarray(freqs)


def plot_r2_maps(pipelines, X, y, ch_names, *, title=""):
    """R² maps of the channel x frequency features that the pipelines' selectors rank.

    For every feature selector in each pipeline (including those inside a
    ``FeatureUnion``) the steps before it are fitted on all trials, the R² of each
    channel x frequency feature (signed by the class difference for two classes) is drawn
    with :func:`neuropipe.report.r2map.plot_r2_map` and the features the selector keeps
    are circled. Identical feature stages shared by
    several pipelines give one map.

    Parameters
    ----------
    pipelines : dict of str to Pipeline
        Pipelines with a selector fed by ``(n_epochs, n_channels, n_freqs)`` features
        whose names read ``'{channel}_{freq}Hz'`` (``PSD``, ``NodeStrength``); others
        are skipped.
    X : ndarray, shape (n_epochs, n_channels, n_times)
        Epochs.
    y : array-like, shape (n_epochs,)
        Class labels.
    ch_names : list of str, length n_channels
        Channel names, given to feature stages whose ``ch_names`` is None.
    title : str
        Prefix of each map's title (e.g. the dataset and subject).

    Returns
    -------
    figures : dict of str to matplotlib.figure.Figure
        ``'{feature stage} ({pipelines})'`` -> R² map.

    Examples
    --------
    >>> from neuropipe.datasets import load_dataset
    >>> from neuropipe.features.spectral import PSD
    >>> from neuropipe.selection import R2Selector
    >>> from sklearn.pipeline import make_pipeline
    >>> from sklearn.discriminant_analysis import LinearDiscriminantAnalysis as LDA
    >>> ep = load_dataset("eegmmidb-leftright", subjects=[1])
    >>> pipe = make_pipeline(PSD(ep.sfreq, fmin=8, fmax=30), R2Selector(k=3), LDA())
    >>> list(plot_r2_maps({"PSD": pipe}, ep.X, ep.y, ep.ch_names))
    ['psd (PSD)']
    """
    import matplotlib.pyplot as plt
    from sklearn.base import clone
    from sklearn.pipeline import Pipeline

    from ..preprocessing import EpochsToArray
    from ..selection import r2_scores, signed_r2_scores
    from .r2map import plot_r2_map

    stages = {}
    for name, pipeline in pipelines.items():
        for steps, selector in _selection_steps(pipeline):
            key = _stage_key(Pipeline([*steps, ("selector", selector)]))
            stages.setdefault(key, {"steps": steps, "selector": selector, "names": []})
            stages[key]["names"].append(name)
    figures = {}
    for stage in stages.values():
        features = _set_channel_names(clone(Pipeline(stage["steps"])), ch_names)
        Z = features.fit_transform(X, y)
        if Z.ndim != 3:
            continue
        selector = clone(stage["selector"]).fit(Z, y)
        channels, freqs = _map_axes(features.get_feature_names_out(), Z.shape[1:])
        label = "+".join(
            step_name
            for step_name, step in stage["steps"]
            if not isinstance(step, EpochsToArray)  # an input adapter, not a feature stage
        )
        key = f"{label} ({', '.join(stage['names'])})"
        two_classes = np.unique(y).size == 2
        scores = signed_r2_scores(Z, y) if two_classes else r2_scores(Z, y)
        with _style(**{"axes.grid": False}):
            fig = plot_r2_map(
                scores,
                channels,
                freqs,
                selected=selector.get_support().reshape(Z.shape[1:]),
                title=f"{title}{label}: {'signed ' if two_classes else ''}R² "
                f"(features {', '.join(stage['names'])} select)",
            )
        plt.close(fig)
        figures[key] = fig
    return figures


def plot_confusion(pipeline, X, y, *, n_splits=5, random_state=42, title=None):
    """Confusion matrix of a pipeline's cross-validated predictions.

    Predictions come from :func:`sklearn.model_selection.cross_val_predict` on the
    benchmark's folds (``StratifiedKFold(n_splits, shuffle=True, random_state)``).

    Parameters
    ----------
    pipeline : estimator
        Classifier (cloned for each fold).
    X : ndarray, shape (n_epochs, ...)
        Epochs or features.
    y : array-like, shape (n_epochs,)
        Class labels.
    n_splits : int
        Folds.
    random_state : int
        Seed of the folds.
    title : str | None
        Figure title.

    Returns
    -------
    fig : matplotlib.figure.Figure
        Rows are true classes, columns predicted ones; each cell shows the share of the
        row (recall) and the trial count.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.neighbors import KNeighborsClassifier
    >>> X = np.r_[np.zeros((10, 2)), np.ones((10, 2))]; y = np.repeat(["a", "b"], 10)
    >>> fig = plot_confusion(KNeighborsClassifier(1), X, y)
    >>> sorted(t.get_text() for t in fig.axes[0].texts)
    ['0%\\n0', '0%\\n0', '100%\\n10', '100%\\n10']
    """
    import matplotlib.pyplot as plt
    from sklearn.metrics import confusion_matrix
    from sklearn.model_selection import StratifiedKFold, cross_val_predict

    y = np.asarray(y)
    cv = StratifiedKFold(n_splits, shuffle=True, random_state=random_state)
    y_pred = cross_val_predict(pipeline, X, y, cv=cv)
    labels = np.unique(y)
    counts = confusion_matrix(y, y_pred, labels=labels)
    share = counts / counts.sum(axis=1, keepdims=True)
    n = len(labels)
    with _style(**{"axes.grid": False}):
        fig, ax = plt.subplots(figsize=(1.1 * n + 2.6, 1.0 * n + 1.9))
        image = ax.imshow(share, cmap="Blues", vmin=0, vmax=1)
        for i in range(n):
            for j in range(n):
                ax.text(
                    j,
                    i,
                    f"{share[i, j]:.0%}\n{counts[i, j]}",
                    ha="center",
                    va="center",
                    color="white" if share[i, j] > 0.6 else "#222222",
                    fontsize=9,
                )
        ax.set_xticks(range(n))
        ax.set_xticklabels(labels, rotation=30, ha="right")
        ax.set_yticks(range(n))
        ax.set_yticklabels(labels)
        ax.set_xlabel("predicted")
        ax.set_ylabel("true")
        for spine in ax.spines.values():
            spine.set_visible(False)
        fig.colorbar(image, ax=ax, shrink=0.8, label="share of true class")
        accuracy = float(np.mean(y_pred == y))
        ax.set_title(title or f"accuracy {accuracy:.0%} ({len(y)} trials)")
        fig.tight_layout()
    plt.close(fig)
    return fig
