"""Figures of the report: each draws the numbers it is given, in the order it claims."""

import itertools
from pathlib import Path

import matplotlib
import numpy as np
import pandas as pd
import pytest
from scipy import stats
from sklearn.dummy import DummyClassifier
from sklearn.feature_selection import f_classif
from sklearn.linear_model import Ridge
from sklearn.neighbors import KNeighborsClassifier

from neuropipe.evaluation.pipelines import load_pipeline_file
from neuropipe.report import (
    pairwise_statistics,
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

PIPELINES = Path(__file__).resolve().parents[2] / "pipelines"


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


def _exact_p(diffs):
    """One-sided sign-flip p-value of mean(diffs) > 0, as MOABB's exact test."""
    observed = diffs.sum()
    count = sum(
        (np.asarray(signs) * diffs).sum() >= observed - 1e-12
        for signs in itertools.product([-1, 1], repeat=len(diffs))
    )
    return min(count, 2 ** len(diffs) - 1) / 2 ** len(diffs)


def test_pairwise_statistics_match_a_hand_computed_meta_analysis(results):
    st = pairwise_statistics(results).set_index(["pipe1", "pipe2"])
    assert len(st) == 6  # every ordered pair of a, b, c
    per = {}
    for dataset, frame in results.groupby("dataset"):
        wide = frame.pivot(index="subject", columns="pipeline", values="score")
        diffs = (wide["a"] - wide["c"]).to_numpy()
        per[dataset] = (diffs.mean(), diffs.mean() / diffs.std(ddof=1), _exact_p(diffs), len(diffs))
    weights = np.sqrt([per["x"][3], per["y"][3]])
    expected_diff = np.average([per["x"][0], per["y"][0]], weights=weights)
    expected_smd = np.average([per["x"][1], per["y"][1]], weights=weights)
    expected_p = stats.combine_pvalues(
        [per["x"][2], per["y"][2]], method="stouffer", weights=weights
    )[1]
    row = st.loc[("a", "c")]
    assert row["diff"] == pytest.approx(expected_diff)
    assert row["smd"] == pytest.approx(expected_smd)
    assert row["p"] == pytest.approx(expected_p)
    assert (row["datasets"], row["subjects"]) == (2, 10)
    # 'b' ran on dataset x only: its pairs use x alone
    x = results[results.dataset == "x"].pivot(index="subject", columns="pipeline", values="score")
    assert st.loc[("b", "a"), "p"] == pytest.approx(_exact_p((x["b"] - x["a"]).to_numpy()))
    assert st.loc[("b", "a"), "datasets"] == 1
    assert st.loc[("a", "b"), "diff"] == pytest.approx(-st.loc[("b", "a"), "diff"])


def test_pairwise_statistics_average_sessions_and_skip_single_subjects():
    table = pd.DataFrame(
        {
            "dataset": "d",
            "subject": [1, 1, 1, 1],
            "session": ["s1", "s2", "s1", "s2"],
            "pipeline": ["a", "a", "b", "b"],
            "score": [0.6, 0.8, 0.5, 0.5],
        }
    )
    assert pairwise_statistics(table).empty
    two = pd.concat([table, table.assign(subject=2, score=[0.9, 0.7, 0.6, 0.6])])
    st = pairwise_statistics(two).set_index(["pipe1", "pipe2"])
    assert st.loc[("a", "b"), "diff"] == pytest.approx(((0.7 - 0.5) + (0.8 - 0.6)) / 2)


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
    X = np.r_[np.zeros((10, 2)), np.ones((10, 2))]
    y = np.repeat(["left", "right"], 10)
    fig = plot_confusion(DummyClassifier(strategy="constant", constant="left"), X, y)
    texts = sorted(t.get_text() for t in fig.axes[0].texts)
    assert texts == ["0%\n0", "0%\n0", "100%\n10", "100%\n10"]
    assert np.allclose(fig.axes[0].images[0].get_array(), [[1, 0], [1, 0]])
    fig = plot_confusion(KNeighborsClassifier(1), X, y)
    assert np.allclose(fig.axes[0].images[0].get_array(), np.eye(2))
    assert fig.axes[0].get_title() == "accuracy 100% (20 trials)"


def test_plot_decoded_trajectories_overlay_the_test_segment():
    from neuropipe.datasets.decoding import load_flint2012

    kf = load_pipeline_file(PIPELINES / "decoding" / "kalman.py")[0]["pipeline"]
    palette = {"KF": (1.0, 0.0, 0.0, 1.0), "ridge": (0.0, 0.0, 1.0, 1.0)}
    fig = plot_decoded_trajectories(
        {"KF": kf, "ridge": Ridge()}, "flint2012", n_bins=120, palette=palette
    )
    data = load_flint2012()
    assert len(fig.axes) == 2
    true_line = fig.axes[0].lines[0]
    assert np.allclose(true_line.get_ydata(), data.y[5000:5120, 0])
    assert np.allclose(true_line.get_xdata(), np.arange(120) * data.bin_size)
    labels = [t.get_text() for t in fig.axes[0].get_legend().get_texts()]
    assert labels[0] == "true"
    assert labels[1].startswith("KF (R² 0.") and labels[2].startswith("ridge (R² ")
    colours = [matplotlib.colors.to_rgba(line.get_color()) for line in fig.axes[1].lines]
    assert colours == [(0.0, 0.0, 0.0, 1.0), palette["KF"], palette["ridge"]]
    with pytest.raises(ValueError, match="'dataset'"):
        plot_decoded_trajectories({"KF": kf}, "flint")


@pytest.mark.slow
def test_plot_r2_maps_on_real_psd_features_match_f_classif():
    from neuropipe.datasets import load_dataset

    ep = load_dataset("eegmmidb-leftright", subjects=[1])
    psd = load_pipeline_file(PIPELINES / "psd_lda.py")[0]["pipeline"]
    union = load_pipeline_file(PIPELINES / "psd_ns_slda.py")[0]["pipeline"]
    maps = plot_r2_maps({"PSD+R2+LDA": psd, "PSD+NS+R2+sLDA": union}, ep.X, ep.y, ep.ch_names)
    assert list(maps) == [
        "psd (PSD+R2+LDA, PSD+NS+R2+sLDA)",
        "connectivity+nodestrength (PSD+NS+R2+sLDA)",
    ]
    fig = maps["psd (PSD+R2+LDA, PSD+NS+R2+sLDA)"]
    heat = fig.axes[0]
    values = np.asarray(heat.images[0].get_array())
    # independent R²: F statistic of a one-way ANOVA, R² = F / (F + n - 2), on the same PSD
    features = psd.named_steps["psd"].fit_transform(ep.X)
    F, _ = f_classif(features.reshape(len(ep.X), -1), ep.y)
    r2 = (F / (F + len(ep.X) - 2)).reshape(features.shape[1:])
    assert np.allclose(np.abs(values), r2)
    assert [t.get_text() for t in heat.get_yticklabels()][:3] == ep.ch_names[:3]
    assert heat.get_xlabel() == "Frequency (Hz)"
    circles = heat.collections[0].get_offsets()
    assert len(circles) == 3  # AutoFeat keeps 3 channel x frequency features
    extent = heat.images[0].get_extent()
    assert extent[0] == pytest.approx(7.5) and extent[1] == pytest.approx(30.5)


def test_figures_close_themselves():
    import matplotlib.pyplot as plt

    before = plt.get_fignums()
    plot_leakage(
        pd.DataFrame({"dataset": "d", "pipeline": ["p"], "leak_free": [0.5], "optimistic": [0.6]})
    )
    assert plt.get_fignums() == before
    assert matplotlib.get_backend().lower() == "agg"
