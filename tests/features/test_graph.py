"""Tests for neuropipe.features.graph: networkx / nilearn references, thresholds, bad input."""

import pickle

import networkx as nx
import numpy as np
import pandas as pd
import pytest
from nilearn.connectome import ConnectivityMeasure
from sklearn.covariance import EmpiricalCovariance
from sklearn.pipeline import make_pipeline

from neuropipe.features.graph import (
    METRICS,
    ConnectivityGraph,
    DensityIntegratedMetrics,
    EdgeVector,
    GraphMetrics,
    graph_metrics,
    threshold_graphs,
)


def _random_graphs():
    """Small random graphs, with isolated nodes, complete and empty graphs among them."""
    rng = np.random.default_rng(42)
    graphs = [nx.complete_graph(6), nx.empty_graph(5), nx.path_graph(7), nx.cycle_graph(4)]
    for _ in range(30):
        n = int(rng.integers(3, 20))
        graphs.append(nx.gnp_random_graph(n, rng.uniform(0.05, 0.7), seed=int(rng.integers(1e9))))
    return graphs


def _nx_squares(G):
    counts = np.zeros(G.number_of_nodes())
    for cycle in nx.simple_cycles(G, length_bound=4):
        if len(cycle) == 4:
            counts[cycle] += 1
    return counts


NX_REFERENCE = {
    "degree": lambda G: [d for _, d in G.degree()],
    "triangles": lambda G: list(nx.triangles(G).values()),
    "squares": _nx_squares,
    "clustering": lambda G: list(nx.clustering(G).values()),
    "betweenness": lambda G: list(nx.betweenness_centrality(G).values()),
    "local_efficiency": lambda G: [nx.global_efficiency(G.subgraph(G[v])) for v in G],
}


@pytest.mark.parametrize("metric", ["degree", "triangles", "squares", "clustering"])
def test_exact_metrics_equal_networkx(metric):
    for G in _random_graphs():
        A = nx.to_numpy_array(G)
        expected = np.asarray(NX_REFERENCE[metric](G), dtype=float)
        np.testing.assert_array_equal(METRICS[metric](A), expected, err_msg=f"{metric} {G}")


@pytest.mark.parametrize("metric", ["betweenness", "local_efficiency"])
def test_path_metrics_equal_networkx(metric):
    # sums of 1/distance and of path-count ratios: equal up to the order of float additions
    for G in _random_graphs():
        A = nx.to_numpy_array(G)
        expected = np.asarray(NX_REFERENCE[metric](G), dtype=float)
        np.testing.assert_allclose(METRICS[metric](A), expected, rtol=1e-12, atol=1e-15)


def test_local_efficiency_mean_is_networkx_local_efficiency():
    G = nx.gnp_random_graph(25, 0.3, seed=3)
    got = METRICS["local_efficiency"](nx.to_numpy_array(G)).mean()
    assert got == pytest.approx(nx.local_efficiency(G), rel=1e-12)


def test_strength_equals_weighted_degree():
    rng = np.random.default_rng(0)
    G = nx.gnp_random_graph(15, 0.4, seed=1)
    for u, v in G.edges:
        G[u][v]["weight"] = rng.uniform(0.1, 2)
    expected = [d for _, d in G.degree(weight="weight")]
    np.testing.assert_allclose(METRICS["strength"](nx.to_numpy_array(G)), expected, rtol=1e-12)


def test_metrics_batch_equals_single_and_ignore_self_loops():
    graphs = [nx.to_numpy_array(nx.gnp_random_graph(12, 0.3, seed=s)) for s in range(40)]
    A = np.stack(graphs)  # 40 graphs: more than one chunk of 32
    for name, func in METRICS.items():
        batch = func(A)
        assert batch.shape == (40, 12)
        np.testing.assert_array_equal(batch[37], func(A[37]), err_msg=name)
    looped = A.copy()
    looped[:, np.arange(12), np.arange(12)] = 1.0
    np.testing.assert_array_equal(METRICS["triangles"](looped), METRICS["triangles"](A))


def test_graph_metrics_layout_and_names():
    A = np.stack([nx.to_numpy_array(nx.gnp_random_graph(5, 0.5, seed=s)) for s in range(3)])
    F = graph_metrics(A, ["degree", "triangles"])
    np.testing.assert_array_equal(F[:, :5], METRICS["degree"](A))
    np.testing.assert_array_equal(F[:, 5:], METRICS["triangles"](A))
    gm = GraphMetrics(["degree", "triangles"], roi_names=list("abcde")).fit(A)
    names = gm.get_feature_names_out()
    assert names[0] == "a_degree" and names[6] == "b_triangles" and len(names) == 10
    np.testing.assert_array_equal(gm.transform(A), F)


def test_threshold_graphs_density_value_and_sign():
    W = np.array(
        [
            [0.0, 0.9, -0.8, 0.1],
            [0.9, 0.0, 0.3, -0.2],
            [-0.8, 0.3, 0.0, 0.05],
            [0.1, -0.2, 0.05, 0.0],
        ]
    )[np.newaxis]
    A = threshold_graphs(W, density=2 / 6)  # the two strongest |w|: (0, 1) and (0, 2)
    assert A[0, 0, 1] == A[0, 0, 2] == 1 and A.sum() == 4
    A = threshold_graphs(W, density=2 / 6, absolute=False)  # strongest positive: (0,1), (1,2)
    assert A[0, 0, 1] == A[0, 1, 2] == 1 and A.sum() == 4
    A = threshold_graphs(W, density=1.0, absolute=False)  # only the 4 positive edges exist
    assert A.sum() == 8
    A = threshold_graphs(W, threshold=0.3, binarize=False)  # strictly above 0.3
    np.testing.assert_allclose(A[0, 0], [0, 0.9, 0.8, 0])
    assert A[0, 1, 2] == 0
    A = threshold_graphs(W, binarize=False)  # no threshold: weighted |W|
    np.testing.assert_allclose(A, np.abs(W))


def test_density_gives_same_edge_count_per_subject():
    rng = np.random.default_rng(0)
    mixing = rng.standard_normal((12, 12))
    X = [rng.standard_normal((int(rng.integers(30, 60)), 12)) @ mixing for _ in range(5)]
    A = ConnectivityGraph(density=0.25).fit_transform(X)
    n_edges = A.sum(axis=(1, 2)) / 2
    np.testing.assert_array_equal(n_edges, round(0.25 * 66))
    np.testing.assert_array_equal(A, np.swapaxes(A, 1, 2))
    assert np.all(np.diagonal(A, axis1=1, axis2=2) == 0)


def test_connectivity_matches_nilearn_and_pearson():
    rng = np.random.default_rng(1)
    X = [rng.standard_normal((40, 6)) @ rng.standard_normal((6, 6)) for _ in range(4)]
    off = ~np.eye(6, dtype=bool)
    for kind in ["correlation", "partial correlation"]:
        ref = ConnectivityMeasure(kind=kind).fit_transform(X)
        got = ConnectivityGraph(kind=kind, density=None, binarize=False, absolute=False)
        np.testing.assert_allclose(got.fit_transform(X)[:, off], ref[:, off], rtol=1e-12)
    pearson = ConnectivityGraph(
        cov_estimator=EmpiricalCovariance(), density=None, binarize=False, absolute=False
    ).fit_transform(X)
    for i, x in enumerate(X):
        np.testing.assert_allclose(pearson[i][off], np.corrcoef(x.T)[off], rtol=1e-10)
    z = ConnectivityGraph(
        cov_estimator=EmpiricalCovariance(),
        density=None,
        binarize=False,
        absolute=False,
        fisher_z=True,
    ).fit_transform(X)
    np.testing.assert_allclose(z[:, off], np.arctanh(pearson[:, off]), rtol=1e-10)


def test_tangent_is_fitted_on_training_subjects():
    rng = np.random.default_rng(2)
    X = [rng.standard_normal((50, 5)) for _ in range(6)]
    graph = ConnectivityGraph(kind="tangent", density=None, binarize=False, absolute=False)
    got = graph.fit(X[:4]).transform(X[4:])
    ref = ConnectivityMeasure(kind="tangent").fit(X[:4]).transform(X[4:])
    off = ~np.eye(5, dtype=bool)
    np.testing.assert_allclose(got[:, off], ref[:, off], rtol=1e-10)


@pytest.mark.parametrize("kind", ["correlation", "partial correlation", "tangent"])
def test_zero_variance_roi_is_isolated(kind):
    rng = np.random.default_rng(3)
    X = [rng.standard_normal((60, 5)) for _ in range(3)]
    X[1][:, 2] = 0.0
    graph = ConnectivityGraph(
        kind=kind,
        cov_estimator=EmpiricalCovariance() if kind != "tangent" else None,
        density=None,
        binarize=False,
        absolute=False,
    )
    W = graph.fit_transform(X)
    assert np.all(np.isfinite(W))
    assert np.all(W[1, 2] == 0) and np.all(W[1, :, 2] == 0)
    if kind == "correlation":  # the other ROIs keep their Pearson correlations
        keep = [0, 1, 3, 4]
        ref = np.corrcoef(X[1][:, keep].T)
        np.testing.assert_allclose(W[1][np.ix_(keep, keep)], ref - np.eye(4), atol=1e-12)
    A = ConnectivityGraph(kind=kind, density=0.5).fit_transform(X)
    assert GraphMetrics(["degree"]).fit_transform(A)[1, 2] == 0
    with pytest.raises(ValueError, match=r"constant \(zero-variance\) ROIs .*X\[1\], ROIs \[2\]"):
        ConnectivityGraph(kind="correlation", zero_variance="raise").fit_transform(X)


@pytest.mark.parametrize("kind", ["correlation", "partial correlation"])
def test_numerically_constant_roi_is_isolated_like_a_constant_one(kind):
    """A ROI varying by subnormal amounts (its variance underflows) gets no edge."""
    rng = np.random.default_rng(5)
    X = [rng.standard_normal((40, 5)) for _ in range(2)]
    flat = [x.copy() for x in X]
    X[1][:, 3] = 0.0
    X[1][::7, 3] = 5e-324
    flat[1][:, 3] = 0.0
    graph = ConnectivityGraph(kind=kind, density=None, binarize=False, absolute=False)
    W = graph.fit_transform(X)
    assert np.all(np.isfinite(W)) and not W[1, 3].any()
    np.testing.assert_array_equal(W, graph.fit_transform(flat))


@pytest.mark.parametrize(
    "X, cov_estimator",
    [
        ([1e-13 * np.array([[1.26, -1.32, 6.40], [1.05, -5.36, 3.62]])], None),
        ([np.array([[1.26, -1.32, 6.40], [1.05, -5.36, 3.62]])], None),
        ([np.random.default_rng(0).standard_normal((5, 8))], EmpiricalCovariance()),
    ],
)
def test_partial_correlation_of_singular_covariance_raises(X, cov_estimator):
    """Fewer time points than ROIs: no NaN edges, no scipy LinAlgError, a clear error."""
    graph = ConnectivityGraph(
        kind="partial correlation", cov_estimator=cov_estimator, density=None, binarize=False
    )
    with pytest.raises(ValueError, match=r"X\[0\]: its ROI covariance is singular .* use kind="):
        graph.fit_transform(X)


def test_partial_correlation_names_the_collinear_subject():
    rng = np.random.default_rng(6)
    X = [rng.standard_normal((50, 4)) for _ in range(3)]
    X[2][:, 3] = X[2][:, 0] - 2 * X[2][:, 1]
    graph = ConnectivityGraph(
        kind="partial correlation",
        cov_estimator=EmpiricalCovariance(),
        density=None,
        binarize=False,
    )
    with pytest.raises(ValueError, match=r"X\[2\]: its ROI covariance is singular"):
        graph.fit_transform(X)
    # LedoitWolf shrinkage keeps the same subject's covariance invertible
    W = ConnectivityGraph(kind="partial correlation", density=None, binarize=False).fit_transform(X)
    assert np.all(np.isfinite(W)) and np.all(np.abs(W) <= 1)


def test_extreme_time_series_raise_clear_errors():
    X = [np.random.default_rng(7).standard_normal((20, 4)) for _ in range(2)]
    X[1] = X[1] * 1e200
    with pytest.raises(ValueError, match=r"X\[1\] holds values up to .*e\+200"):
        ConnectivityGraph().fit(X)
    with pytest.raises(ValueError, match=r"X\[1\] holds values up to .*e\+200"):
        ConnectivityGraph().fit(X[:1]).transform(X)


def test_dataframe_input_equals_list_input():
    rng = np.random.default_rng(4)
    X = [rng.standard_normal((30, 4)) for _ in range(3)]
    df = pd.DataFrame({"timeseries": pd.Series(X, dtype=object), "AGE": [10, 11, 12]})
    graph = ConnectivityGraph(density=0.5)
    np.testing.assert_array_equal(graph.fit_transform(df), graph.fit_transform(X))


@pytest.mark.parametrize(
    "X, match",
    [
        ([np.ones((1, 4))], r"X\[0\] has 1 time point\(s\); at least 2"),
        (
            [np.ones((10, 4)), np.ones((10, 3))],
            "different numbers of ROIs: X\\[0\\] has 4, X\\[1\\]",
        ),
        ([np.full((10, 4), np.nan)], r"X\[0\] contains NaN or infinite values in ROI column"),
        (np.ones((10, 4)), "got a single 2-D array of shape \\(10, 4\\). For one subject"),
        ([], "X is empty"),
        ([np.ones(10)], r"X\[0\] has shape \(10,\); each subject must be a 2-D array"),
    ],
)
def test_bad_timeseries_raise_clear_errors(X, match):
    with pytest.raises(ValueError, match=match):
        ConnectivityGraph().fit(X)


def test_bad_parameters_raise_clear_errors():
    X = [np.random.default_rng(0).standard_normal((20, 4)) for _ in range(2)]
    with pytest.raises(ValueError, match="Allowed values are 'correlation', 'partial corr"):
        ConnectivityGraph(kind="covariance").fit(X)
    with pytest.raises(ValueError, match="either threshold .* or density"):
        ConnectivityGraph(threshold=0.5, density=0.1).fit(X)
    with pytest.raises(ValueError, match="complete graph"):
        ConnectivityGraph(density=None).fit(X)
    with pytest.raises(ValueError, match="fisher_z applies to"):
        ConnectivityGraph(kind="tangent", fisher_z=True).fit(X)
    with pytest.raises(ValueError, match="threshold=0.99 leaves no edge in 2 of 2 subject"):
        ConnectivityGraph(threshold=0.99, density=None).fit_transform(X)
    fitted = ConnectivityGraph().fit(X)
    with pytest.raises(ValueError, match="X has 3 ROIs but ConnectivityGraph was fitted on 4"):
        fitted.transform([np.ones((20, 3)) + np.arange(3)])
    with pytest.raises(ValueError, match="Allowed values are 'degree'"):
        GraphMetrics(["degre"]).fit(np.zeros((2, 3, 3)))
    with pytest.raises(ValueError, match="square adjacency"):
        GraphMetrics().fit(np.zeros((2, 3, 4)))
    with pytest.raises(ValueError, match="non-symmetric"):
        GraphMetrics().fit(np.triu(np.ones((3, 3)))[np.newaxis])


def test_edge_vector_order_and_names():
    W = np.arange(16, dtype=float).reshape(1, 4, 4)
    W = W + W.transpose(0, 2, 1)
    ev = EdgeVector(roi_names=["a", "b", "c", "d"]).fit(W)
    expected = [W[0, i, j] for i in range(4) for j in range(i + 1, 4)]
    np.testing.assert_array_equal(ev.transform(W)[0], expected)
    assert list(ev.get_feature_names_out()) == ["a-b", "a-c", "a-d", "b-c", "b-d", "c-d"]


def test_3d_estimators_pickle_subset_and_order_invariance():
    """The 2-D checks of tests/test_common.py that fail by design, redone on the
    estimators' own input types."""
    rng = np.random.default_rng(5)
    X = [rng.standard_normal((40, 8)) for _ in range(6)]
    pipe = make_pipeline(ConnectivityGraph(density=0.3), GraphMetrics(list(METRICS)))
    full = pipe.fit(X).transform(X)
    np.testing.assert_array_equal(pickle.loads(pickle.dumps(pipe)).transform(X), full)
    np.testing.assert_array_equal(pipe.transform(X[2:4]), full[2:4])
    order = [5, 0, 3, 1, 4, 2]
    np.testing.assert_array_equal(pipe.transform([X[i] for i in order]), full[order])


# ----------------------------------------------------------------------------------------
# weighted motifs (Onnela et al. 2005), 4-cliques, density-integrated metrics
# ----------------------------------------------------------------------------------------
def _weighted(seed, n=12, p=0.5):
    rng = np.random.default_rng(seed)
    W = rng.uniform(0.1, 1.0, (n, n)) * (rng.uniform(size=(n, n)) < p)
    W = np.triu(W, 1)
    return W + W.T


def _triangles_by_hand(W):
    n = len(W)
    for i in range(n):
        for j in range(i + 1, n):
            for k in range(j + 1, n):
                if W[i, j] and W[j, k] and W[i, k]:
                    yield (i, j, k), (W[i, j], W[j, k], W[i, k])


@pytest.mark.parametrize("seed", range(4))
def test_onnela_intensity_and_coherence_by_hand(seed):
    W = _weighted(seed)
    w = W / W.max()
    intensity, coherence, count = np.zeros(len(W)), np.zeros(len(W)), np.zeros(len(W))
    for nodes, weights in _triangles_by_hand(w):
        geo = np.prod(weights) ** (1 / 3)
        for v in nodes:
            intensity[v] += geo
            coherence[v] += geo / np.mean(weights)
            count[v] += 1
    coherence = np.divide(coherence, count, out=np.zeros_like(coherence), where=count > 0)
    np.testing.assert_allclose(GraphMetrics(["intensity"]).fit_transform(W[None])[0], intensity)
    np.testing.assert_allclose(
        graph_metrics(W[None], ["coherence"])[0], coherence, rtol=1e-12, atol=1e-15
    )
    # on a binary graph intensity is the triangle count and coherence is 1 where defined
    B = (W != 0).astype(float)[None]
    np.testing.assert_array_equal(graph_metrics(B, ["intensity"]), graph_metrics(B, ["triangles"]))
    np.testing.assert_allclose(graph_metrics(B, ["coherence"])[0], (count > 0).astype(float))


def test_clique4_participation_equals_networkx():
    for G in _random_graphs():
        A = nx.to_numpy_array(G)[None]
        counts = np.zeros(G.number_of_nodes())
        for clique in nx.enumerate_all_cliques(G):
            if len(clique) == 4:
                counts[clique] += 1
        np.testing.assert_array_equal(graph_metrics(A, ["cliques4"])[0], counts)


def test_density_integrated_metrics_is_the_mean_over_densities():
    rng = np.random.default_rng(5)
    W = rng.uniform(-1, 1, (3, 10, 10))
    W = (W + W.transpose(0, 2, 1)) / 2
    densities = [0.1, 0.2, 0.4]
    metrics = ["degree", "triangles", "squares", "cliques4"]
    expected = np.mean(
        [graph_metrics(threshold_graphs(W, density=d, absolute=False), metrics) for d in densities],
        axis=0,
    )
    model = DensityIntegratedMetrics(metrics, densities=densities).fit(W)
    np.testing.assert_allclose(model.transform(W), expected)
    assert model.get_feature_names_out()[10] == "roi0_triangles"
    with pytest.raises(ValueError, match="'densities' must be values in \\(0, 1\\]"):
        DensityIntegratedMetrics(densities=[0.0, 0.2]).fit(W).transform(W)
