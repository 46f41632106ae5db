import matplotlib.pyplot as plt
import numpy as np
import pytest
from scipy.stats import pearsonr
from sklearn.feature_selection import f_classif
from sklearn.pipeline import make_pipeline

from neuropipe.features.graph import GraphMetrics, graph_metrics
from neuropipe.features.spectral import PSD
from neuropipe.report.r2map import plot_r2_map
from neuropipe.selection import (
    BandSelector,
    FisherSelector,
    MutualInfoSelector,
    R2Selector,
    ROIMask,
    ScoreSelector,
    autofeat_mask,
    fisher_scores,
    r2_scores,
    signed_r2_scores,
)


def _planted(n_per_class=20, n_channels=6, n_freqs=5, seed=0):
    """(n, C, F) noise with class effects at (channel 4, freq 1) > (4, 3) > (2, 0) > (1, 2)."""
    rng = np.random.default_rng(seed)
    y = np.repeat(["left", "right"], n_per_class)
    X = rng.standard_normal((2 * n_per_class, n_channels, n_freqs))
    right = y == "right"
    X[right, 4, 1] += 4.0
    X[right, 4, 3] += 3.0
    X[right, 2, 0] -= 2.5
    X[right, 1, 2] += 1.5
    return X, y


def test_r2_is_squared_point_biserial_correlation():
    X, y = _planted()
    r2 = r2_scores(X, y)
    assert r2.shape == (6, 5)
    binary = (y == "right").astype(float)
    for c in range(6):
        for f in range(5):
            assert r2[c, f] == pytest.approx(pearsonr(X[:, c, f], binary)[0] ** 2)


def test_r2_ranking_matches_f_classif_and_multiclass_definition():
    rng = np.random.default_rng(1)
    X, y = rng.standard_normal((30, 8)), np.repeat([0, 1, 2], 10)
    X[y == 2, 3] += 2.0
    r2 = r2_scores(X, y)
    np.testing.assert_array_equal(np.argsort(r2), np.argsort(f_classif(X, y)[0]))
    ss_total = ((X - X.mean(0)) ** 2).sum(0)
    ss_between = sum((y == k).sum() * (X[y == k].mean(0) - X.mean(0)) ** 2 for k in range(3))
    np.testing.assert_allclose(r2, ss_between / ss_total)


def test_constant_feature_scores_zero():
    X = np.c_[np.ones(6), np.arange(6.0)]
    y = [0, 0, 0, 1, 1, 1]
    assert r2_scores(X, y)[0] == 0.0 and fisher_scores(X, y)[0] == 0.0


def test_fisher_is_r2_over_one_minus_r2():
    X, y = _planted()
    r2 = r2_scores(X, y)
    np.testing.assert_allclose(fisher_scores(X, y), r2 / (1 - r2))
    assert fisher_scores([[0.0], [0.0], [1.0], [1.0]], [0, 0, 1, 1])[0] == np.inf


def test_signed_r2_sign_follows_second_class():
    X, y = _planted()
    signed = signed_r2_scores(X, y)
    np.testing.assert_allclose(np.abs(signed), r2_scores(X, y))
    assert signed[4, 1] > 0 and signed[2, 0] < 0
    with pytest.raises(ValueError, match="exactly two classes"):
        signed_r2_scores(np.zeros((3, 2)), [0, 1, 2])


def test_autofeat_one_frequency_per_channel():
    X, y = _planted()
    mask = autofeat_mask(r2_scores(X, y), k=3)
    # channel 4 has the two best features but contributes only its best one
    assert sorted(map(tuple, np.argwhere(mask))) == [(1, 2), (2, 0), (4, 1)]
    topk = R2Selector(k=3).fit(X, y).get_support().reshape(6, 5)
    assert sorted(map(tuple, np.argwhere(topk))) == [(2, 0), (4, 1), (4, 3)]


def test_selector_in_pipeline_keeps_names():
    rng = np.random.default_rng(2)
    y = np.repeat([0, 1], 15)
    t = np.arange(320) / 160.0
    X = rng.standard_normal((30, 3, 320))
    X[y == 1, 1] += 3 * np.sin(2 * np.pi * 11 * t)  # power at 11 Hz on C4 for class 1
    pipe = make_pipeline(
        PSD(160.0, "welch", fmin=8, fmax=14, ch_names=["C3", "C4", "Cz"]),
        R2Selector(k=1, rule="autofeat"),
    ).fit(X, y)
    assert pipe.get_feature_names_out().tolist() == ["C4_11Hz"]
    np.testing.assert_allclose(pipe.transform(X)[:, 0], pipe[0].transform(X)[:, 1, 3])


def test_selector_2d_and_3d_inputs_agree():
    X, y = _planted()
    sel3 = R2Selector(k=4).fit(X, y)
    sel2 = R2Selector(k=4).fit(X.reshape(len(X), -1), y)
    np.testing.assert_array_equal(sel3.get_support(), sel2.get_support())
    np.testing.assert_array_equal(sel3.transform(X), sel2.transform(X.reshape(len(X), -1)))
    assert sel3.scores_.shape == (6, 5) and sel2.scores_.shape == (30,)
    with pytest.raises(ValueError, match="fitted on"):
        sel3.transform(X[:, :5])


def test_k_all_and_k_too_large():
    X, y = _planted()
    assert R2Selector(k="all").fit(X, y).transform(X).shape == (40, 30)
    with pytest.warns(UserWarning, match="number of channels"):
        out = R2Selector(k=9, rule="autofeat").fit(X, y).transform(X)
    assert out.shape == (40, 6)
    with pytest.raises(ValueError, match="'rule' parameter"):
        R2Selector(rule="best").fit(X, y)
    with pytest.raises(ValueError, match="single class"):
        R2Selector().fit(X, np.zeros(40))


def test_fisher_and_mutual_info_find_planted_feature():
    X, y = _planted()
    assert np.argwhere(FisherSelector(k=1).fit(X, y).get_support().reshape(6, 5)).tolist() == [
        [4, 1]
    ]
    mi = MutualInfoSelector(k=2, random_state=0).fit(X, y)
    assert sorted(map(tuple, np.argwhere(mi.get_support().reshape(6, 5)))) == [(4, 1), (4, 3)]
    np.testing.assert_array_equal(
        MutualInfoSelector(k=2, random_state=0).fit(X, y).scores_, mi.scores_
    )


@pytest.mark.parametrize("factor", [1e-200, 1e-150, 1e150, 1e200, 1e300])
def test_scores_are_unchanged_by_extreme_rescaling(factor):
    """R² and Fisher are scale-invariant: squares of huge or tiny values must not overflow."""
    X, y = _planted()
    r2, fisher, signed = r2_scores(X, y), fisher_scores(X, y), signed_r2_scores(X, y)
    np.testing.assert_allclose(r2_scores(factor * X, y), r2, rtol=1e-12)
    np.testing.assert_allclose(fisher_scores(factor * X, y), fisher, rtol=1e-12)
    np.testing.assert_allclose(signed_r2_scores(factor * X, y), signed, rtol=1e-12)


def test_selectors_refuse_unconvertible_or_extreme_input():
    y = [0, 0, 1, 1]
    for selector in (R2Selector(k=1), FisherSelector(k=1), MutualInfoSelector(k=1)):
        with pytest.raises(ValueError, match="X could not be converted to a numeric array"):
            selector.fit([[1.0, 2.0], [3.0]], [0, 1])
        with pytest.raises(TypeError, match="X must be a numeric array, got a str"):
            selector.fit("abc", y)
        with pytest.raises(ValueError, match="X must be a numeric array, got dtype <U"):
            selector.fit(np.array([["a", "b"]] * 4), y)
        with pytest.raises(ValueError, match=r"values up to 1e\+200 .* rescale the data"):
            selector.fit(np.full((4, 2), 1e200), y)
        with pytest.raises(ValueError, match=r"got a 1-D array of shape \(4,\)\. Reshape"):
            selector.fit(np.ones(4), y)
    fitted = R2Selector(k=1).fit(np.eye(4), y)
    with pytest.raises(ValueError, match="X contains 1 NaN or infinite value"):
        fitted.transform(np.r_[np.eye(3, 4), [[np.nan, 0, 0, 0]]])


@pytest.mark.parametrize(
    "scores, error, match",
    [
        (np.zeros((1, 0)), ValueError, r"scores is an empty score map \(shape \(1, 0\)\)"),
        (np.zeros((0, 3)), ValueError, "empty score map"),
        ("abc", TypeError, "scores must be a numeric array, got a str"),
        (np.array([["a", "b"]]), ValueError, "scores must be a numeric array, got dtype <U1"),
        ([[0.1, np.nan]], ValueError, r"scores contains 1 NaN value\(s\); give every feature"),
    ],
)
def test_autofeat_mask_refuses_bad_score_maps(scores, error, match):
    with pytest.raises(error, match=match):
        autofeat_mask(scores, k=1)


def test_autofeat_mask_keeps_infinite_fisher_scores():
    """A perfectly separating feature has Fisher score inf, which must win, not fail."""
    mask = autofeat_mask(np.array([[0.5, np.inf], [0.9, 0.1]]), k=1)
    assert np.argwhere(mask).tolist() == [[0, 1]]


def test_one_selector_class_with_pluggable_scores():
    """R2Selector, FisherSelector and MutualInfoSelector are ScoreSelector, score fixed."""
    X, y = _planted()
    for alias, score_func in [
        (R2Selector(k=4, rule="autofeat"), r2_scores),
        (FisherSelector(k=4, rule="autofeat"), fisher_scores),
    ]:
        assert isinstance(alias, ScoreSelector)
        one = ScoreSelector(score_func, k=4, rule="autofeat").fit(X, y)
        alias.fit(X, y)
        np.testing.assert_array_equal(alias.scores_, one.scores_)
        np.testing.assert_array_equal(alias.support_, one.support_)
    # R² and Fisher scores rank features alike: the same selection, other scales
    r2, fisher = ScoreSelector(k=7).fit(X, y), ScoreSelector(fisher_scores, k=7).fit(X, y)
    np.testing.assert_array_equal(r2.support_, fisher.support_)
    np.testing.assert_allclose(fisher.scores_, r2.scores_ / (1 - r2.scores_))
    assert R2Selector(k=3).get_params() == {"k": 3, "rule": "topk"}
    assert ScoreSelector().get_params()["score_func"] is r2_scores


def test_score_func_may_return_pvalues_and_nan_is_never_preferred():
    X, y = _planted()
    X = X.reshape(len(X), -1)
    X[:, 0] = 1.0  # constant: f_classif scores it NaN
    sel = ScoreSelector(f_classif, k=3).fit(X, y)
    np.testing.assert_array_equal(sel.scores_, f_classif(X, y)[0])
    assert np.isnan(sel.scores_[0]) and not sel.support_[0]
    np.testing.assert_array_equal(sel.support_, R2Selector(k=3).fit(X, y).support_)
    with pytest.raises(TypeError, match="'score_func' must be a callable"):
        ScoreSelector("r2", k=3).fit(X, y)


# --- band step -------------------------------------------------------------------------------


def test_band_selector_keeps_the_band_and_feeds_autofeat():
    X, y = _planted(n_freqs=5)
    freqs = [8.0, 10.0, 12.0, 14.0, 16.0]
    step = BandSelector(freqs=freqs, band=(9, 14)).fit(X, y)
    out = step.transform(X)
    assert out.shape == (40, 6, 3) and step.freqs_.tolist() == [10.0, 12.0, 14.0]
    np.testing.assert_array_equal(out, X[:, :, 1:4])
    # the planted (4, 1) effect is the best AutoFeat pick of channel 4 inside the band
    picked = make_pipeline(BandSelector(freqs, band=(9, 14)), R2Selector(k=1, rule="autofeat"))
    assert picked.fit(X, y)[-1].support_.reshape(6, 3)[4, 0]
    np.testing.assert_array_equal(BandSelector(freqs).fit_transform(X), X)


@pytest.mark.parametrize(
    "kwargs, X, match",
    [
        (dict(freqs=[1.0, 2.0]), np.ones((4, 2, 3)), "'freqs' has 2 frequencies but X has 3"),
        (dict(band=(50, 60)), np.ones((4, 2, 3)), "holds none of the frequencies"),
        (dict(band=5), np.ones((4, 2, 3)), "'band' must be a \\(low, high\\) pair"),
        (dict(), np.ones((4, 2, 3, 2)), "got a 4-D array"),
    ],
)
def test_band_selector_errors(kwargs, X, match):
    with pytest.raises(ValueError, match=match):
        BandSelector(**kwargs).fit(X)


def test_band_selector_refuses_other_bins_at_transform():
    step = BandSelector(band=(0, 1)).fit(np.ones((4, 2, 3)))
    with pytest.raises(ValueError, match="X has 4 frequency bins, but BandSelector is expecting 3"):
        step.transform(np.ones((4, 2, 4)))


# --- R² map figure -----------------------------------------------------------------------


def test_plot_r2_map_shows_the_scores():
    X, y = _planted()
    names = ["C3", "Cz", "C4", "Pz", "O1", "O2"]
    freqs = np.arange(8.0, 13.0)
    r2 = r2_scores(X, y)
    selected = autofeat_mask(r2, k=2)
    fig = plot_r2_map(r2, names, freqs, selected=selected)
    heat, topo = fig.axes[:2]
    np.testing.assert_array_equal(heat.images[0].get_array(), r2)
    assert [t.get_text() for t in heat.get_yticklabels()] == names
    assert heat.get_xlabel() == "Frequency (Hz)"
    best_freq = freqs[np.unravel_index(np.argmax(r2), r2.shape)[1]]
    assert topo.get_title() == f"R² at {best_freq:g} Hz"
    marked = heat.collections[0].get_offsets()
    assert sorted(map(tuple, np.asarray(marked))) == sorted(
        (freqs[f], c) for c, f in np.argwhere(selected)
    )
    plt.close(fig)


def test_plot_r2_map_signed_and_errors():
    r2 = np.array([[0.2, -0.4], [0.1, 0.0]])
    fig = plot_r2_map(r2, ["C3", "C4"], [10, 11], freq=10.2, topomap=False)
    assert len(fig.axes) == 2  # heat map + colour bar
    assert fig.axes[0].images[0].get_clim() == (-0.4, 0.4)
    plt.close(fig)
    with pytest.raises(ValueError, match="shape"):
        plot_r2_map(r2, ["C3"], [10, 11])
    with pytest.raises(ValueError, match="Cannot place the channels"):
        plot_r2_map(r2, ["foo", "bar"], [10, 11])
    plt.close("all")


# --- region mask (graph features) ---------------------------------------------------------


def test_roi_mask_keeps_informative_roi_features_and_names():
    rng = np.random.default_rng(0)
    y = np.repeat([0, 1], 30)
    A = (rng.uniform(size=(60, 6, 6)) < 0.4).astype(float)
    A = np.triu(A, 1)
    A = A + A.transpose(0, 2, 1)
    A[y == 1, 3, :] = A[y == 1, :, 3] = 0  # ROI 3 is isolated in class 1 only
    A[:, np.arange(6), np.arange(6)] = 0
    pipe = make_pipeline(GraphMetrics(["degree", "triangles"]), ROIMask(n_rois=6, k=1))
    pipe.fit(A, y)
    assert list(pipe[-1].rois_) == [3]
    assert list(pipe.get_feature_names_out()) == ["roi3_degree", "roi3_triangles"]
    with pytest.raises(ValueError, match="k=7 is more than the 6 ROIs"):
        ROIMask(n_rois=6, k=7).fit(graph_metrics(A), y)
    with pytest.raises(ValueError, match="not a multiple of n_rois=5"):
        ROIMask(n_rois=5, k=1).fit(graph_metrics(A), y)


def test_roi_mask_refuses_unconvertible_or_extreme_input():
    rng = np.random.default_rng(8)
    X, y = rng.standard_normal((10, 4)), np.repeat([0, 1], 5)
    with pytest.raises(TypeError, match="X must be a numeric array, got a str"):
        ROIMask(k=1).fit("abc", y)
    with pytest.raises(ValueError, match="X must be a numeric array, got dtype <U"):
        ROIMask(k=1).fit(np.full(X.shape, "roi"), y)
    with pytest.raises(ValueError, match=r"X holds values up to 1e\+200 .* rescale the data"):
        ROIMask(k=1).fit(np.full(X.shape, 1e200), y)
    mask = ROIMask(n_rois=2, k=1).fit(X, y)
    with pytest.raises(ValueError, match="X could not be converted to a numeric array"):
        mask.transform([[1.0, 2.0, 3.0, 4.0], [1.0]])
    with pytest.raises(ValueError, match=r"X holds values up to 1e\+200"):
        mask.transform(np.full(X.shape, 1e200))
