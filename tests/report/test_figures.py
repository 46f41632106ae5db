"""Figures of the report: each draws the numbers it is given, in the order it claims."""

import matplotlib
import numpy as np
import pandas as pd
import pytest

from neuropipe.evaluation.statistics import pairwise_statistics
from neuropipe.report import (
    pipeline_palette,
    plot_confusion,
    plot_decoded_trajectories,
    plot_decoding_scores,
    plot_fit_time,
    plot_leakage,
    plot_pairwise,
    plot_r2_maps,
    plot_scores,
)


@pytest.fixture
def results():
    """Two datasets, three pipelines; pipeline 'b' did not run on dataset 'y'."""
    rng = np.random.default_rng(0)
    rows = []
    for dataset, subjects, pipes in [("x", 6, ["a", "b", "c"]), ("y", 4, ["a", "c"])]:
        for subject in range(1, subjects + 1):
            for offset, pipe in zip([0.2, 0.1, 0.0], ["a", "b", "c"]):
                if pipe in pipes:
                    rows.append(
                        {
                            "dataset": dataset,
                            "subject": subject,
                            "session": "0",
                            "pipeline": pipe,
                            "score": 0.6 + offset + 0.05 * rng.standard_normal(),
                            "time": 10.0 ** (offset * 10 - 2),
                            "scoring": "roc_auc",
                            "chance": 0.5,
                            "chance_p95": 0.62,
                        }
                    )
    return pd.DataFrame(rows)


def test_palette_is_stable_and_distinct():
    palette = pipeline_palette(["b", "a", "c", "a"])
    assert list(palette) == ["a", "b", "c"]
    assert len(set(palette.values())) == 3
    assert pipeline_palette(["c", "a", "b"]) == palette
    assert len(set(pipeline_palette([f"p{i}" for i in range(18)]).values())) == 18


def test_plot_scores_draws_every_point_and_the_chance_lines(results):
    fig = plot_scores(results)
    assert [ax.get_title() for ax in fig.axes] == ["x", "y"]
    ax = fig.axes[0]
    # best mean on top: the first row drawn at the highest position
    labels = [t.get_text() for t in ax.get_yticklabels()]
    assert labels == ["a", "b", "c"]
    assert list(ax.get_yticks()) == [2, 1, 0]
    frame = results[results["dataset"] == "x"]
    points = [c for c in ax.collections if len(c.get_offsets()) > 1]
    assert sum(len(c.get_offsets()) for c in points) == len(frame)
    a_points = np.sort(points[0].get_offsets()[:, 0])
    assert np.allclose(a_points, np.sort(frame.loc[frame.pipeline == "a", "score"]))
    vertical = {
        round(line.get_xdata()[0], 3)
        for line in ax.lines
        if line.get_label() in ("chance", "chance, p < 0.05")
    }
    assert vertical == {0.5, 0.62}
    assert ax.get_xlabel() == "ROC AUC"


def test_plot_scores_splits_evaluations_and_needs_columns():
    table = pd.DataFrame(
        {
            "dataset": "abide",
            "pipeline": ["p", "p", "q", "q"],
            "score": [0.6, 0.7, 0.5, 0.6],
            "evaluation": ["cv", "loso", "cv", "loso"],
            "chance": 0.52,
        }
    )
    fig = plot_scores(table)
    assert [ax.get_title() for ax in fig.axes] == ["abide / cv", "abide / loso"]
    with pytest.raises(ValueError, match="lacks the columns \\['score'\\]"):
        plot_scores(table.drop(columns="score"))


def test_plot_pairwise_marks_significant_cells(results):
    st = pairwise_statistics(results)
    fig = plot_pairwise(st)
    ax = fig.axes[0]
    order = [t.get_text() for t in ax.get_yticklabels()]
    assert order == ["a", "b", "c"]  # best first
    image = ax.images[0].get_array()
    assert image[0, 2] > 0 > image[2, 0]
    assert np.ma.is_masked(image[0, 0])
    texts = {
        (round(t.get_position()[1]), round(t.get_position()[0])): t.get_text() for t in ax.texts
    }
    lookup = st.set_index(["pipe1", "pipe2"])
    for (i, j), text in texts.items():
        row = lookup.loc[(order[i], order[j])]
        assert text.startswith(f"{row['diff']:+.2f}")
        assert text.endswith("*") == (row["p"] < 0.05)


def test_plot_fit_time_uses_a_log_axis_slowest_on_top(results):
    fig = plot_fit_time(results)
    ax = fig.axes[0]
    assert ax.get_xscale() == "log"
    labels = [t.get_text() for t in ax.get_yticklabels()]
    assert labels == ["a", "b", "c"]  # a is 100x slower than c in the fixture
    assert sorted(t.get_text() for t in ax.get_legend().get_texts()) == ["x", "y"]
    n_points = sum(len(c.get_offsets()) for c in ax.collections)
    assert n_points == len(results)


def test_plot_leakage_bars_hold_both_scores():
    leak = pd.DataFrame(
        {
            "dataset": "d",
            "pipeline": ["p", "q"],
            "leak_free": [0.45, 0.52],
            "optimistic": [0.9, 0.8],
        }
    )
    fig = plot_leakage(leak)
    widths = sorted(round(float(b.get_width()), 2) for b in fig.axes[0].patches)
    assert widths == [0.45, 0.52, 0.8, 0.9]
    assert {t.get_text() for t in fig.axes[0].texts} == {"gap +0.45", "gap +0.28"}


def test_plot_decoding_scores_keep_overall_rows():
    dec = pd.DataFrame(
        {
            "dataset": ["f"] * 4,
            "pipeline": ["KF", "KF", "DKF", "DKF"],
            "state": ["all", "vx", "all", "vx"],
            "score": [0.4, 0.1, 0.65, 0.2],
            "nrmse": [0.78, 0.9, 0.59, 0.7],
        }
    )
    fig = plot_decoding_scores(dec)
    r2_heights = sorted(round(float(b.get_height()), 2) for b in fig.axes[0].patches)
    nrmse_heights = sorted(round(float(b.get_height()), 2) for b in fig.axes[1].patches)
    assert r2_heights == [0.4, 0.65]
    assert nrmse_heights == [0.59, 0.78]


def test_plot_confusion_counts_known_predictions():
    y = np.repeat(["left", "right"], 10)
    fig = plot_confusion(y, np.repeat("left", 20))
    texts = sorted(t.get_text() for t in fig.axes[0].texts)
    assert texts == ["0%\n0", "0%\n0", "100%\n10", "100%\n10"]
    assert np.allclose(fig.axes[0].images[0].get_array(), [[1, 0], [1, 0]])
    fig = plot_confusion(y, y)
    assert np.allclose(fig.axes[0].images[0].get_array(), np.eye(2))
    assert fig.axes[0].get_title() == "accuracy 100% (20 trials)"
    # label codes shown by name, a class never predicted keeps its column
    fig = plot_confusion([0, 0, 1, 2], [0, 1, 1, 1], labels=[0, 1, 2], display_labels="abc")
    ax = fig.axes[0]
    assert [t.get_text() for t in ax.get_xticklabels()] == ["a", "b", "c"]
    assert np.allclose(ax.images[0].get_array(), [[0.5, 0.5, 0], [0, 1, 0], [0, 1, 0]])
    with pytest.raises(ValueError, match="same length"):
        plot_confusion([0, 1], [0])


def test_plot_decoded_trajectories_overlay_the_stored_window():
    t = np.arange(120) * 0.05
    y_true = np.c_[np.sin(t), np.cos(t)]
    decoded = {"KF (R² 0.40)": 0.5 * y_true, "ridge (R² 0.70)": 0.9 * y_true}
    palette = {"KF (R² 0.40)": (1.0, 0.0, 0.0, 1.0), "ridge (R² 0.70)": (0.0, 0.0, 1.0, 1.0)}
    fig = plot_decoded_trajectories(
        y_true, decoded, bin_size=0.1, state_names=["vx", "vy"], palette=palette
    )
    assert len(fig.axes) == 2
    true_line = fig.axes[0].lines[0]
    assert np.allclose(true_line.get_ydata(), y_true[:, 0])
    assert np.allclose(true_line.get_xdata(), np.arange(120) * 0.1)
    assert np.allclose(fig.axes[1].lines[1].get_ydata(), 0.5 * y_true[:, 1])
    labels = [t.get_text() for t in fig.axes[0].get_legend().get_texts()]
    assert labels == ["true", "KF (R² 0.40)", "ridge (R² 0.70)"]
    colours = [matplotlib.colors.to_rgba(line.get_color()) for line in fig.axes[1].lines]
    assert colours == [(0.0, 0.0, 0.0, 1.0), *palette.values()]
    with pytest.raises(ValueError, match="non-empty"):
        plot_decoded_trajectories(y_true, {})


def test_plot_r2_maps_draw_the_given_scores_and_selection():
    scores = np.array([[0.1, -0.6, 0.0], [0.2, 0.3, 0.05]])
    selected = np.array([[False, True, False], [False, True, False]])
    maps = {
        "placed": {"scores": scores, "channels": ["C3", "C4"], "freqs": [8, 9, 10],
                   "selected": selected, "caption": "psd: signed R²"},
        "unplaced": {"scores": np.abs(scores), "channels": ["ch0", "ch1"], "freqs": [8, 9, 10],
                     "selected": None},
    }  # fmt: skip
    figures = plot_r2_maps(maps, title="S1 · ")
    heat = figures["placed"].axes[0]
    assert np.allclose(heat.images[0].get_array(), scores)
    assert heat.images[0].get_cmap().name == "RdBu_r"  # signed
    assert len(heat.collections[0].get_offsets()) == 2
    assert figures["placed"].get_suptitle() == "S1 · psd: signed R²"
    assert len(figures["placed"].axes) == 4  # heat map, topomap and their colour bars
    # channels without 10-05 positions: the heat map alone, no error
    assert len(figures["unplaced"].axes) == 2
    assert figures["unplaced"].get_suptitle() == "S1 · unplaced"


def test_figures_close_themselves():
    import matplotlib.pyplot as plt

    before = plt.get_fignums()
    plot_leakage(
        pd.DataFrame({"dataset": "d", "pipeline": ["p"], "leak_free": [0.5], "optimistic": [0.6]})
    )
    assert plt.get_fignums() == before
    assert matplotlib.get_backend().lower() == "agg"
