"""Figures of a benchmark that a person reads at a glance.

Each ``plot_*`` function takes a results table (as written by ``neuropipe benchmark``) or
arrays stored with it and returns a :class:`matplotlib.figure.Figure`:

- :func:`plot_scores`: score per pipeline and dataset (box + points) with chance levels;
- :func:`plot_pairwise`: MOABB-style paired statistics of every pipeline pair
  (:func:`neuropipe.evaluation.statistics.pairwise_statistics`) as a heat map of score
  differences;
- :func:`plot_fit_time`: fit time per pipeline on a log scale;
- :func:`plot_leakage`: optimistic (selection on all trials) vs leak-free scores;
- :func:`plot_decoding_scores`: R² and nRMSE of continuous decoders;
- :func:`plot_decoded_trajectories`: true vs decoded hand velocity;
- :func:`plot_r2_maps`: R² maps of the feature-selection steps of spectral pipelines;
- :func:`plot_confusion`: confusion matrix of test-fold predictions;
- :func:`plot_pseudo_online_timeline`: label in force vs window decisions of one run.

Nothing here fits a model: the model figures draw the arrays stored with the results
(:mod:`neuropipe.evaluation.artifacts`, read by :mod:`neuropipe.report.models`).
"""

from __future__ import annotations

import contextlib

import numpy as np
import pandas as pd
from sklearn.metrics import ConfusionMatrixDisplay, confusion_matrix

from ..decoders import plot_decoded
from .r2map import plot_r2_map

__all__ = [
    "pipeline_palette",
    "plot_scores",
    "plot_pairwise",
    "plot_fit_time",
    "plot_leakage",
    "plot_decoding_scores",
    "plot_decoded_trajectories",
    "plot_r2_maps",
    "plot_confusion",
    "plot_pseudo_online_timeline",
]

_SCORING_LABELS = {
    "roc_auc": "ROC AUC",
    "accuracy": "accuracy",
    "balanced_accuracy": "bal. acc.",
    "nmcc": "nMCC",
}
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
        ax.set_xlabel("fit CPU time per fold (CPU s, log scale)")
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
        optionally ``nrmse`` (a second panel); when a ``state`` column is present only ``state == "all"`` rows
        (states averaged) are drawn.
    palette : dict of str to colour | None
        Colour per pipeline; default :func:`pipeline_palette`.
    title : str | None
        Figure title.

    Returns
    -------
    fig : matplotlib.figure.Figure
        Two panels (one without ``nrmse``) of grouped bars (datasets on x, one bar per pipeline), values printed.

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

    _check_columns(decoding, ["dataset", "pipeline", "score"], "decoding")
    table = decoding[decoding["state"] == "all"] if "state" in decoding.columns else decoding
    columns = [c for c in ("score", "nrmse") if c in table.columns and table[c].notna().any()]
    table = table.groupby(["dataset", "pipeline"], as_index=False)[columns].mean()
    palette = palette or pipeline_palette(table["pipeline"])
    datasets = sorted(table["dataset"].unique())
    pipelines = table.groupby("pipeline")["score"].mean().sort_values().index.tolist()
    width = 0.8 / len(pipelines)
    with _style(**{"axes.grid.axis": "y"}):
        fig, axes = plt.subplots(1, len(columns), figsize=(5 * len(columns), 3.8), squeeze=False)
        axes = axes[0]
        for ax, column, label in zip(axes, columns, ["R² (states averaged)", "nRMSE"]):
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
        if len(axes) > 1:
            axes[1].set_title("normalised RMSE: lower is better")
        axes[-1].legend(loc="upper right", ncols=len(pipelines))
        if title:
            fig.suptitle(title, fontweight="bold")
        fig.tight_layout()
    plt.close(fig)
    return fig


def plot_decoded_trajectories(
    y_true, decoded, *, bin_size=None, state_names=None, title=None, palette=None
):
    """Overlay decoders' stored test-set trajectories on the true one.

    Parameters
    ----------
    y_true : ndarray, shape (n_bins, n_states)
        True states of the window shown (``y_true`` of the decoders' artifacts).
    decoded : dict of str to ndarray, shape (n_bins, n_states)
        Legend label (e.g. ``'KF (R² 0.40)'``) -> decoded states of the same window.
    bin_size : float | None
        Bin width in seconds (time on x); None numbers the bins.
    state_names : list of str | None
        Panel labels.
    title : str | None
        Figure title.
    palette : dict of str to colour | None
        Colour per label of ``decoded``; default matplotlib's colour cycle.

    Returns
    -------
    fig : matplotlib.figure.Figure
        :func:`neuropipe.decoders.plot_decoded`, one panel per state, the true state in
        black.

    Examples
    --------
    >>> import numpy as np
    >>> t = np.linspace(0, 6, 60)[:, None]
    >>> fig = plot_decoded_trajectories(np.c_[np.sin(t), np.cos(t)],
    ...                                 {"KF": np.c_[np.sin(t), 0.8 * np.cos(t)]})
    >>> len(fig.axes)
    2
    """
    import matplotlib.pyplot as plt
    from cycler import cycler

    if not decoded:
        raise ValueError("decoded must be a non-empty dict {label: decoded states}.")
    y_true = np.asarray(y_true, dtype=np.float64)
    decoded = {name: np.reshape(values, y_true.shape) for name, values in decoded.items()}
    style = {"axes.grid": False}
    if palette:
        style["axes.prop_cycle"] = cycler(color=[palette[name] for name in decoded])
    with _style(**style):
        fig = plot_decoded(
            y_true,
            decoded,
            bin_size=bin_size,
            state_names=None if state_names is None else list(state_names),
            title=title,
        )
    plt.close(fig)
    return fig


def plot_r2_maps(maps, *, title=""):
    """R² maps (channel x frequency scores of feature selectors) with the kept features.

    Parameters
    ----------
    maps : dict of str to dict
        Label -> ``{"scores": (n_channels, n_freqs), "channels": n_channels names,
        "freqs": n_freqs Hz, "selected": bool (n_channels, n_freqs) or None,
        "caption": str}``, e.g. :func:`neuropipe.report.models.score_maps`.
    title : str
        Prefix of each map's title (e.g. the dataset and subject).

    Returns
    -------
    figures : dict of str to matplotlib.figure.Figure
        Label -> :func:`neuropipe.report.r2map.plot_r2_map` (heat map and topomap; the
        heat map alone when the channels cannot be placed on the 10-05 montage).

    Examples
    --------
    >>> import numpy as np
    >>> maps = {"psd": {"scores": np.eye(3, 4) * 0.4, "channels": ["C3", "Cz", "C4"],
    ...                 "freqs": [8, 9, 10, 11], "selected": np.eye(3, 4, dtype=bool)}}
    >>> [len(fig.axes) for fig in plot_r2_maps(maps).values()]
    [4]
    """
    import matplotlib.pyplot as plt

    figures = {}
    for label, m in maps.items():
        kwargs = dict(
            selected=m.get("selected"),
            title=f"{title}{m.get('caption', label)}",
        )
        with _style(**{"axes.grid": False}):
            try:
                fig = plot_r2_map(m["scores"], m["channels"], m["freqs"], **kwargs)
            except ValueError:  # channels without 10-05 positions: the heat map alone
                plt.close("all")
                fig = plot_r2_map(m["scores"], m["channels"], m["freqs"], topomap=False, **kwargs)
        plt.close(fig)
        figures[label] = fig
    return figures


def plot_confusion(y_true, y_pred, *, labels=None, display_labels=None, title=None):
    """Confusion matrix of stored test-fold predictions (:class:`~sklearn.metrics.ConfusionMatrixDisplay`).

    Parameters
    ----------
    y_true, y_pred : array-like, shape (n_trials,)
        True and predicted classes (e.g. the ``y_true`` / ``y_pred`` artifacts of every
        test fold of a task, concatenated).
    labels : array-like | None
        Classes in row/column order; default the sorted classes of both.
    display_labels : list of str | None
        Tick labels; default ``labels``.
    title : str | None
        Figure title; default the accuracy and number of trials.

    Returns
    -------
    fig : matplotlib.figure.Figure
        Rows are true classes, columns predicted ones; the colour is the share of the
        row (recall), and each cell shows that share and the trial count.

    Examples
    --------
    >>> fig = plot_confusion(["a", "a", "b", "b"], ["a", "a", "b", "a"])
    >>> sorted(t.get_text() for t in fig.axes[0].texts)
    ['0%\\n0', '100%\\n2', '50%\\n1', '50%\\n1']
    """
    import matplotlib.pyplot as plt

    y_true, y_pred = np.asarray(y_true), np.asarray(y_pred)
    if y_true.shape != y_pred.shape or y_true.ndim != 1:
        raise ValueError(
            f"y_true and y_pred must be 1-D arrays of the same length, got shapes "
            f"{y_true.shape} and {y_pred.shape}."
        )
    labels = np.unique(np.r_[y_true, y_pred]) if labels is None else np.asarray(labels)
    counts = confusion_matrix(y_true, y_pred, labels=labels)
    rows = counts.sum(axis=1, keepdims=True)
    share = np.divide(counts, rows, out=np.zeros(counts.shape), where=rows > 0)
    n = len(labels)
    display = ConfusionMatrixDisplay(
        share, display_labels=labels if display_labels is None else list(display_labels)
    )
    with _style(**{"axes.grid": False}):
        fig, ax = plt.subplots(figsize=(1.1 * n + 2.6, 1.0 * n + 1.9))
        display.plot(
            ax=ax,
            cmap="Blues",
            colorbar=False,
            xticks_rotation=30,
            im_kw={"vmin": 0, "vmax": 1},
            text_kw={"fontsize": 9},
        )
        for (i, j), text in np.ndenumerate(display.text_):
            text.set_text(f"{share[i, j]:.0%}\n{counts[i, j]}")
        ax.set_xlabel("predicted")
        ax.set_ylabel("true")
        for spine in ax.spines.values():
            spine.set_visible(False)
        fig.colorbar(display.im_, ax=ax, shrink=0.8, label="share of true class")
        accuracy = float(np.mean(y_pred == y_true))
        ax.set_title(title or f"accuracy {accuracy:.0%} ({len(y_true)} trials)")
        fig.tight_layout()
    plt.close(fig)
    return fig


def plot_pseudo_online_timeline(
    window_time, y_true, y_pred, *, classes=None, idle=None, title=None, max_seconds=None
):
    """True label in force vs the decision of every window of one held-out run.

    Parameters
    ----------
    window_time : array-like, shape (n_windows,)
        Time of each window's last sample, in seconds from the start of the run.
    y_true, y_pred : array-like, shape (n_windows,)
        Label in force at each window's end and the decision on it (codes or names).
    classes : array-like of str | None
        Names of the codes ``0..n_classes-1`` (the stored ``classes``); None: the labels.
    idle : int | str | None
        The idle class, drawn at the bottom.
    title : str | None
    max_seconds : float | None
        Draw only the first ``max_seconds`` of the run.

    Returns
    -------
    fig : matplotlib.figure.Figure
        One row per class; the true label as a grey band, each decision as a dot (green
        when it matches the label in force, red when not).

    Examples
    --------
    >>> fig = plot_pseudo_online_timeline([1.0, 1.5, 2.0, 2.5], [0, 1, 1, 0], [0, 0, 1, 2],
    ...                                   classes=["idle", "left", "right"], idle=0)
    >>> [t.get_text() for t in fig.axes[0].get_yticklabels()]
    ['idle', 'left', 'right']
    """
    import matplotlib.pyplot as plt

    times = np.asarray(window_time, dtype=float)
    y_true, y_pred = np.asarray(y_true), np.asarray(y_pred)
    if not times.shape == y_true.shape == y_pred.shape or times.ndim != 1 or not len(times):
        raise ValueError(
            f"window_time, y_true and y_pred must be 1-D of one non-zero length, got "
            f"{times.shape}, {y_true.shape} and {y_pred.shape}."
        )
    if max_seconds is not None:
        keep = times <= times[0] + max_seconds
        times, y_true, y_pred = times[keep], y_true[keep], y_pred[keep]
    labels = list(np.unique(np.r_[y_true, y_pred]))
    if classes is not None:
        labels = sorted(set(labels) | set(range(len(classes))))
    if idle is not None and idle in labels:
        labels.remove(idle)
        labels.insert(0, idle)
    row = {label: i for i, label in enumerate(labels)}
    names = [str(classes[label]) if classes is not None else str(label) for label in labels]
    with _style(**{"axes.grid": False}):
        fig, ax = plt.subplots(figsize=(9.0, 0.55 * len(labels) + 1.6))
        step = np.median(np.diff(times)) if len(times) > 1 else 1.0
        truth = np.array([row[v] for v in y_true])
        ax.fill_between(
            np.r_[times, times[-1] + step],
            np.r_[truth, truth[-1]] - 0.3,
            np.r_[truth, truth[-1]] + 0.3,
            step="post",
            color="#d0d0d0",
            label="label in force",
            linewidth=0,
        )
        decided = np.array([row[v] for v in y_pred])
        correct = y_pred == y_true
        for mask, colour, text in (
            (correct, "#2a9d4b", "decision, right"),
            (~correct, "#d1495b", "decision, wrong"),
        ):
            ax.plot(times[mask], decided[mask], "o", ms=3.5, color=colour, label=text)
        ax.set_yticks(range(len(labels)), names)
        ax.set_ylim(-0.7, len(labels) - 0.3)
        ax.set_xlabel("time in the run (s, end of each window)")
        ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.28), ncol=3)
        if title:
            ax.set_title(title)
        fig.tight_layout()
    plt.close(fig)
    return fig
