"""Functional connectivity graphs and per-node graph-motif features for resting-state fMRI.

Dey, Rao & Shah (Front. Syst. Neurosci. 2012) turn each brain into a functional network
(correlation of regional activity, thresholded), describe every node by how often it takes
part in small motifs (3-cycles), and classify with PCA + LDA. This module gives the stages:

- :class:`ConnectivityGraph`: list of ``(n_timepoints, n_rois)`` arrays -> ``(n_subjects,
  n_rois, n_rois)`` graphs, from nilearn's ``ConnectivityMeasure`` (correlation, partial
  correlation or tangent), thresholded by value or by density, binary or weighted;
- :class:`GraphMetrics`: graphs -> per-node features (degree, strength, clustering,
  triangles, squares, local efficiency, betweenness), named ``roi17_triangles``;
- :class:`EdgeVector`: graphs -> upper-triangle edge weights (the connectome baseline).

The learnt region mask that usually follows them (keep every feature of the ROIs that best
separate the classes) is a feature selector: :class:`neuropipe.selection.ROIMask`.

The maths are plain functions on ``(n_subjects, n_rois, n_rois)`` arrays, vectorised with
numpy (``triangles = diag(A^3) / 2``; betweenness by level-synchronous Brandes with matrix
products; local efficiency by breadth-first search on stacked neighbourhood subgraphs);
networkx is used only in the tests, as the reference.
"""

from __future__ import annotations

import functools

import numpy as np
from sklearn.base import BaseEstimator, TransformerMixin, clone
from sklearn.covariance import LedoitWolf
from sklearn.utils.validation import check_is_fitted
from threadpoolctl import ThreadpoolController

from .._docs import public_module
from .._validation import (
    check_epochs,
    check_magnitude,
    check_n_channels,
    check_option,
    check_output_size,
    check_timeseries,
)
from ._subject_cache import cached_per_subject

__all__ = [
    "METRICS",
    "ConnectivityGraph",
    "DensityIntegratedMetrics",
    "EdgeVector",
    "GraphMetrics",
    "betweenness",
    "clique4_participation",
    "clustering",
    "connectivity_graphs",
    "degree",
    "graph_metrics",
    "local_efficiency",
    "motif_coherence",
    "motif_intensity",
    "square_participation",
    "strength",
    "threshold_graphs",
    "triangle_participation",
]

_KINDS = ["correlation", "partial correlation", "tangent"]
_CHUNK = 32  # subjects per batch in the matrix-product metrics (memory ~ 32 x R x R x 8 B)
#: A ROI whose standard deviation is below this fraction of the subject's largest is constant.
_FLAT_RTOL = 1e-12
#: Smallest eigenvalue, relative to the largest, of a usable ROI correlation matrix.
_RCOND = 1e-10


# Products of many small (n_rois x n_rois) matrices run several times faster on one BLAS
# thread than on contended threads (measured 14 vs 1.3 GFLOP/s at 200 ROIs on 2 busy cores),
# so the per-subject maths below runs single-threaded; parallelise across CV folds instead.
@functools.cache
def _threadpools():
    return ThreadpoolController()  # built once: a fresh one scans the loaded libraries


def _one_blas_thread():
    return _threadpools().limit(limits=1, user_api="blas")


# ----------------------------------------------------------------------------------------
# graph construction
# ----------------------------------------------------------------------------------------
def _constant_rois(x):
    """ROIs that are constant or vary by rounding noise only (their variance underflows)."""
    with np.errstate(under="ignore"):
        std = np.std(x, axis=0)
    return np.flatnonzero(~(std > _FLAT_RTOL * max(std.max(), np.finfo(np.float64).tiny)))


def _partial_correlations(measure, subjects, indices):
    """Partial correlations as nilearn computes them, refusing singular covariances."""
    from nilearn.connectome import prec_to_partial
    from scipy import linalg

    covs = clone(measure).set_params(kind="covariance").fit_transform(subjects)
    out = np.empty_like(covs)
    for k, (i, cov) in enumerate(zip(indices, covs)):
        sd = np.sqrt(np.abs(np.diag(cov)))
        usable = np.all(np.isfinite(cov)) and np.all(sd > 0)
        if usable:
            with np.errstate(all="ignore"):
                eig = np.linalg.eigvalsh(cov / np.outer(sd, sd))
            usable = bool(eig[0] > _RCOND * eig[-1])
        if not usable:
            raise ValueError(
                f"X[{i}]: its ROI covariance is singular or nearly so (fewer time points "
                f"than ROIs, or collinear ROIs), so its partial correlations are undefined; "
                f"use kind='correlation', more time points or a cov_estimator with fixed "
                f"shrinkage (e.g. sklearn's ShrunkCovariance)."
            )
        out[k] = prec_to_partial(linalg.inv(cov))
    return out


def _subject_matrices(measure, subjects, indices):
    """(Partial) correlation matrices of ``subjects``, which are ``X[i]`` for ``indices``."""
    if measure.kind == "partial correlation":
        return _partial_correlations(measure, subjects, indices)
    return clone(measure).fit_transform(subjects)


def _matrices(measure, X, indices, constant):
    """(Partial) correlations of ``X[i]`` for ``indices``; constant ROIs get no edge."""
    n_rois = X[0].shape[1]
    W = np.zeros((len(indices), n_rois, n_rois))
    good = [k for k, i in enumerate(indices) if not constant[i].size]
    if good:
        idx = [indices[k] for k in good]
        W[good] = _subject_matrices(measure, [X[i] for i in idx], idx)
    for k, i in enumerate(indices):
        keep = np.setdiff1d(np.arange(n_rois), constant[i])
        if constant[i].size and keep.size > 1:
            W[k][np.ix_(keep, keep)] = _subject_matrices(measure, [X[i][:, keep]], [i])[0]
    return W


def connectivity_graphs(X, measure, *, fisher_z=False, zero_variance="isolate"):
    """Connectivity matrices of every subject, with constant ROIs handled explicitly.

    Parameters
    ----------
    X : list of ndarray, each shape (n_timepoints, n_rois)
        Validated time series (see ``neuropipe._validation.check_timeseries``).
    measure : nilearn.connectome.ConnectivityMeasure
        Kind ``'correlation'`` or ``'partial correlation'`` (each subject is computed on
        its own, with a clone), or a ``'tangent'`` measure fitted on the training subjects.
    fisher_z : bool
        Apply ``arctanh`` to the (partial) correlations.
    zero_variance : {'isolate', 'raise'}
        What to do with ROIs whose signal is constant (e.g. all zero, outside the
        subject's field of view). ``'isolate'``: for (partial) correlation the matrix is
        computed on the subject's other ROIs and the constant ROI gets no edge (row and
        column 0); for tangent the subject's matrix is computed on all ROIs (the shrinkage
        of the covariance estimator keeps it defined) and the constant ROI's row and column
        are then set to 0. ``'raise'``: ValueError.

    Returns
    -------
    W : ndarray, shape (n_subjects, n_rois, n_rois)
        Symmetric, zero diagonal.

    Examples
    --------
    >>> import numpy as np
    >>> from nilearn.connectome import ConnectivityMeasure
    >>> X = [np.random.default_rng(0).standard_normal((50, 4))]
    >>> W = connectivity_graphs(X, ConnectivityMeasure(kind="correlation"))
    >>> W.shape, float(W[0, 1, 1])
    ((1, 4, 4), 0.0)
    """
    _check_graph_size(len(X), X[0].shape[1])
    with _one_blas_thread():
        return _connectivity_graphs(X, measure, fisher_z, zero_variance)


def _check_graph_size(n_subjects, n_rois):
    """Refuse ROI counts whose matrices (and their thresholded copies) exceed the budget."""
    check_output_size(  # the matrices, the thresholding scores and the graphs
        (3, n_subjects, n_rois, n_rois),
        f"the connectivity graphs of {n_subjects} subjects x {n_rois}^2 ROI pairs and their "
        f"thresholding",
        "use a coarser atlas (fewer ROIs) or transform fewer subjects at a time",
    )


def _connectivity_graphs(X, measure, fisher_z, zero_variance):
    n_rois = X[0].shape[1]
    constant = [_constant_rois(x) for x in X]
    bad = [i for i, c in enumerate(constant) if c.size]
    if bad and zero_variance == "raise":
        raise ValueError(
            f"{len(bad)} subject(s) have constant (zero-variance) ROIs (first: X[{bad[0]}], "
            f"ROIs {constant[bad[0]].tolist()}); their correlations are undefined. Use "
            f"zero_variance='isolate' or drop those ROIs for every subject."
        )
    W = np.empty((len(X), n_rois, n_rois))
    if measure.kind == "tangent":
        W[:] = measure.transform(X)
    else:  # each subject's matrix depends on its own series only: computed once, cached
        key = ("connectivity_graphs", measure.kind, repr(measure.cov_estimator))
        W[:] = cached_per_subject(X, key, lambda idx: _matrices(measure, X, idx, constant))
    for i in bad:
        W[i][constant[i], :] = 0.0
        W[i][:, constant[i]] = 0.0
    idx = np.arange(n_rois)
    W[:, idx, idx] = 0.0
    nonfinite = np.flatnonzero(~np.isfinite(W).all(axis=(1, 2)))
    if nonfinite.size:
        raise ValueError(
            f"The {measure.kind} matrix of X[{nonfinite[0]}] ({nonfinite.size} subject(s) in "
            f"all) holds NaN or infinite values: its ROI time series are too small, too large "
            f"or nearly constant; rescale them, or drop the flat ROIs for every subject."
        )
    if fisher_z:
        W = np.arctanh(np.clip(W, -1 + 1e-7, 1 - 1e-7))
    return W


def threshold_graphs(W, *, threshold=None, density=None, absolute=True, binarize=True):
    """Threshold weighted connectivity matrices into graphs.

    Parameters
    ----------
    W : ndarray, shape (n_subjects, n_rois, n_rois)
        Symmetric matrices; the diagonal is ignored.
    threshold : float | None
        Keep edges whose score (``|w|`` if ``absolute`` else ``w``) is strictly above it.
    density : float in (0, 1] | None
        Keep, in every subject, the ``round(density * n_rois * (n_rois - 1) / 2)`` edges
        with the highest positive score (a tie at the cut is broken arbitrarily but
        deterministically), so all subjects have the same number of edges; fewer if fewer
        edges have a positive score (e.g. a shrinkage estimator that shrinks all
        correlations to 0 gives an empty graph).
    absolute : bool
        Score and weight edges by ``|w|`` (anti-correlations count as strongly as
        correlations); otherwise by the signed ``w`` (negative edges are dropped by
        ``density``).
    binarize : bool
        Kept edges get weight 1 instead of their score.

    Returns
    -------
    A : ndarray, shape (n_subjects, n_rois, n_rois)
        Symmetric, zero diagonal. With neither ``threshold`` nor ``density`` every edge is
        kept (weighted).

    Examples
    --------
    >>> import numpy as np
    >>> W = np.array([[[0, .9, .2], [.9, 0, -.5], [.2, -.5, 0]]])
    >>> threshold_graphs(W, density=0.67)[0]
    array([[0., 1., 0.],
           [1., 0., 1.],
           [0., 1., 0.]])
    """
    n_subjects, n_rois = W.shape[:2]
    iu = np.triu_indices(n_rois, k=1)
    score = np.abs(W[:, iu[0], iu[1]]) if absolute else W[:, iu[0], iu[1]]
    keep = np.ones_like(score, dtype=bool)
    if threshold is not None:
        keep = score > threshold
        empty = np.flatnonzero(~keep.any(axis=1))
        if empty.size:
            raise ValueError(
                f"threshold={threshold} leaves no edge in {empty.size} of {n_subjects} "
                f"subject(s) (first: index {empty[0]}, largest score "
                f"{score[empty[0]].max():.3g}); lower the threshold, or use density= to keep "
                f"the same number of edges in every subject."
            )
    elif density is not None:
        k = max(1, int(round(density * score.shape[1])))
        keep = np.zeros_like(score, dtype=bool)
        top = np.argpartition(-score, k - 1, axis=1)[:, :k]
        np.put_along_axis(keep, top, True, axis=1)
        keep &= score > 0
    weights = np.where(keep, 1.0 if binarize else score, 0.0)
    A = np.zeros_like(W, dtype=np.float64)
    A[:, iu[0], iu[1]] = weights
    return A + np.swapaxes(A, 1, 2)


# ----------------------------------------------------------------------------------------
# per-node metrics; every function takes (n_subjects, n_rois, n_rois) or (n_rois, n_rois)
# ----------------------------------------------------------------------------------------
def _as_graphs(A):
    A = np.asarray(A, dtype=np.float64)
    single = A.ndim == 2
    A = A[np.newaxis] if single else A
    idx = np.arange(A.shape[-1])
    if np.any(A[:, idx, idx]):
        A = A.copy()
        A[:, idx, idx] = 0.0
    return A, single


def _binary32(A):
    # 0/1 products and path counts below 2**24 are exact in float32, at twice the float64 speed;
    # sums over them are taken in float64
    return (A != 0).astype(np.float32)


def _chunked(func):
    def wrapper(A):
        A, single = _as_graphs(A)
        with _one_blas_thread():
            out = np.concatenate([func(A[s : s + _CHUNK]) for s in range(0, len(A), _CHUNK)])
        return out[0] if single else out

    wrapper.__name__ = func.__name__
    wrapper.__doc__ = func.__doc__
    return wrapper


@_chunked
def degree(A):
    """Number of neighbours of each node (edges with non-zero weight).

    Parameters
    ----------
    A : ndarray, shape (n_subjects, n_rois, n_rois) | (n_rois, n_rois)
        Symmetric adjacency; the diagonal (self-loops) is ignored.

    Returns
    -------
    degree : ndarray, shape (n_subjects, n_rois) | (n_rois,)

    Examples
    --------
    >>> import numpy as np
    >>> degree(np.array([[0, 1, 1], [1, 0, 0], [1, 0, 0]]))
    array([2., 1., 1.])
    """
    return (A != 0).sum(axis=-1).astype(np.float64)


@_chunked
def strength(A):
    """Sum of the edge weights of each node (equals degree on a binary graph).

    Parameters
    ----------
    A : ndarray, shape (n_subjects, n_rois, n_rois) | (n_rois, n_rois)

    Returns
    -------
    strength : ndarray, shape (n_subjects, n_rois) | (n_rois,)

    Examples
    --------
    >>> import numpy as np
    >>> strength(np.array([[0, .5, .2], [.5, 0, 0], [.2, 0, 0]]))
    array([0.7, 0.5, 0.2])
    """
    return A.sum(axis=-1)


@_chunked
def triangle_participation(A):
    """Number of 3-cycles (triangles) each node takes part in: ``diag(B^3) / 2``, ``B = A != 0``.

    Parameters
    ----------
    A : ndarray, shape (n_subjects, n_rois, n_rois) | (n_rois, n_rois)

    Returns
    -------
    triangles : ndarray, shape (n_subjects, n_rois) | (n_rois,)
        Equal to ``networkx.triangles``.

    Examples
    --------
    >>> import numpy as np
    >>> triangle_participation(np.ones((4, 4)) - np.eye(4))
    array([3., 3., 3., 3.])
    """
    B = _binary32(A)
    return np.einsum("sij,sij->si", B @ B, B, dtype=np.float64) / 2.0


@_chunked
def square_participation(A):
    """Number of 4-cycles (squares, as simple cycles) each node takes part in.

    Closed walks of length 4 from node ``i`` are ``(B^4)_ii``; removing the walks that
    are not cycles (``i-j-i-k-i`` and ``i-j-k-j-i``) leaves twice the 4-cycles:
    ``c4_i = ((B^4)_ii - d_i^2 - (B d)_i + d_i) / 2`` with ``d`` the degrees.

    Parameters
    ----------
    A : ndarray, shape (n_subjects, n_rois, n_rois) | (n_rois, n_rois)

    Returns
    -------
    squares : ndarray, shape (n_subjects, n_rois) | (n_rois,)
        Equal to counting, per node, the 4-node cycles of
        ``networkx.simple_cycles(G, length_bound=4)``.

    Examples
    --------
    >>> import numpy as np
    >>> square_participation(np.ones((4, 4)) - np.eye(4))
    array([3., 3., 3., 3.])
    """
    B = _binary32(A)
    B2 = B @ B
    d = B.sum(axis=-1, dtype=np.float64)
    walks4 = np.einsum("sij,sij->si", B2, B2, dtype=np.float64)
    return (walks4 - d**2 - np.einsum("sij,sj->si", B, d, dtype=np.float64) + d) / 2.0


@_chunked
def clustering(A):
    """Clustering coefficient ``2 t_i / (d_i (d_i - 1))`` of the binary graph (0 if d_i < 2).

    Parameters
    ----------
    A : ndarray, shape (n_subjects, n_rois, n_rois) | (n_rois, n_rois)

    Returns
    -------
    clustering : ndarray, shape (n_subjects, n_rois) | (n_rois,)
        Equal to ``networkx.clustering`` on the unweighted graph.

    Examples
    --------
    >>> import numpy as np
    >>> clustering(np.array([[0, 1, 1, 1], [1, 0, 1, 0], [1, 1, 0, 0], [1, 0, 0, 0]]))
    array([0.33333333, 1.        , 1.        , 0.        ])
    """
    t = triangle_participation(A)
    d = degree(A)
    pairs = d * (d - 1)
    return np.divide(2 * t, pairs, out=np.zeros_like(t), where=pairs > 0)


@_chunked
def local_efficiency(A):
    """Global efficiency of each node's neighbourhood subgraph (Latora & Marchiori 2001).

    For node ``i`` with neighbours ``N_i`` (``k = |N_i|``), the mean of ``1 / dist(u, w)``
    over ordered pairs of distinct neighbours, distances measured inside the subgraph
    induced by ``N_i`` (``1 / inf = 0``); 0 if ``k < 2``. Nodes of equal degree are
    processed together: their subgraphs are stacked and searched breadth-first with
    boolean matrix products.

    Parameters
    ----------
    A : ndarray, shape (n_subjects, n_rois, n_rois) | (n_rois, n_rois)

    Returns
    -------
    efficiency : ndarray, shape (n_subjects, n_rois) | (n_rois,)
        Node-wise terms whose mean is ``networkx.local_efficiency``.

    Examples
    --------
    >>> import numpy as np
    >>> star = np.zeros((4, 4)); star[0, 1:] = star[1:, 0] = 1; star[1, 2] = star[2, 1] = 1
    >>> local_efficiency(star)
    array([0.33333333, 1.        , 1.        , 0.        ])
    """
    B = A != 0
    d = B.sum(axis=-1)
    out = np.zeros(d.shape)
    for k in np.unique(d[d >= 2]):
        subj, node = np.nonzero(d == k)
        nbrs = np.nonzero(B[subj, node])[1].reshape(-1, k)
        sub = B[subj[:, None, None], nbrs[:, :, None], nbrs[:, None, :]].astype(np.float32)
        reach = sub.astype(bool) | np.eye(k, dtype=bool)
        total = sub.sum(axis=(1, 2), dtype=np.float64)
        step = 1
        while True:
            step += 1
            grown = reach | (reach.astype(np.float32) @ sub > 0)
            new = grown & ~reach
            if not new.any():
                break
            total += new.sum(axis=(1, 2)) / step
            reach = grown
        out[subj, node] = total / (k * (k - 1))
    return out


@_chunked
def betweenness(A):
    """Normalised shortest-path betweenness centrality of each node (binary graph).

    Brandes' accumulation run for all sources at once: breadth-first levels hold path
    counts ``sigma`` (rows are sources) and are propagated with ``B`` by matrix products,
    then dependencies are accumulated level by level backwards. Normalised by
    ``(n - 1)(n - 2)``, summing over ordered pairs, as ``networkx.betweenness_centrality``.

    Parameters
    ----------
    A : ndarray, shape (n_subjects, n_rois, n_rois) | (n_rois, n_rois)

    Returns
    -------
    betweenness : ndarray, shape (n_subjects, n_rois) | (n_rois,)

    Examples
    --------
    >>> import numpy as np
    >>> path = np.array([[0, 1, 0], [1, 0, 1], [0, 1, 0]])
    >>> betweenness(path)
    array([0., 1., 0.])
    """
    B = (A != 0).astype(np.float64)
    n_rois = B.shape[-1]
    eye = np.broadcast_to(np.eye(n_rois), B.shape)
    levels = [eye.copy()]
    sigma = eye.copy()
    while True:
        frontier = (levels[-1] @ B) * (sigma == 0)
        if not frontier.any():
            break
        levels.append(frontier)
        sigma += frontier
    delta = np.zeros_like(B)
    for k in range(len(levels) - 1, 0, -1):
        coeff = np.divide(1.0 + delta, sigma, out=np.zeros_like(B), where=levels[k] > 0)
        delta += (coeff @ B) * levels[k - 1]
    bc = delta.sum(axis=1) - np.einsum("sii->si", delta)
    return bc / ((n_rois - 1) * (n_rois - 2)) if n_rois > 2 else np.zeros_like(bc)


def _neighbourhoods(B):
    """Yield ``(subj, node, nbrs, sub)`` for nodes of equal degree k >= 2, stacked.

    ``nbrs`` (m, k) are the neighbours of each node and ``sub`` (m, k, k) the binary
    subgraph they induce (the same grouping as :func:`local_efficiency`).
    """
    d = B.sum(axis=-1)
    for k in np.unique(d[d >= 2]):
        subj, node = np.nonzero(d == k)
        nbrs = np.nonzero(B[subj, node])[1].reshape(-1, k)
        sub = B[subj[:, None, None], nbrs[:, :, None], nbrs[:, None, :]]
        yield subj, node, nbrs, sub


def _unit_weights(A):
    """``|A|`` divided by each subject's largest weight (Onnela et al.'s normalisation)."""
    W = np.abs(A)
    top = W.max(axis=(1, 2), keepdims=True)
    return np.divide(W, top, out=np.zeros_like(W), where=top > 0)


@_chunked
def motif_intensity(A):
    """Total weighted intensity of the 3-cycles through each node (Onnela et al. 2005).

    With weights ``w = |A| / max |A|`` (per subject), the intensity of a triangle is the
    geometric mean of its three weights, ``(w_ij w_jk w_ki)^(1/3)``; a node's value is the
    sum over the triangles it takes part in, ``diag(G^3) / 2`` with ``G = w^(1/3)``. On a
    binary graph it equals :func:`triangle_participation`. Onnela, Saramaki, Kertesz &
    Kaski, Phys. Rev. E 71:065103 (2005).

    Parameters
    ----------
    A : ndarray, shape (n_subjects, n_rois, n_rois) | (n_rois, n_rois)
        Weighted (e.g. thresholded, not binarised) graphs.

    Returns
    -------
    intensity : ndarray, shape (n_subjects, n_rois) | (n_rois,)

    Examples
    --------
    >>> import numpy as np
    >>> W = np.array([[0, 1, .125], [1, 0, 1], [.125, 1, 0]])
    >>> motif_intensity(W)
    array([0.5, 0.5, 0.5])
    """
    G = np.cbrt(_unit_weights(A))
    return np.einsum("sij,sij->si", G @ G, G) / 2.0


@_chunked
def motif_coherence(A):
    """Mean weighted coherence of the 3-cycles through each node (Onnela et al. 2005).

    The coherence of a triangle is the ratio of the geometric to the arithmetic mean of its
    weights (1 when its three weights are equal, smaller when they differ); a node's value
    is the mean over the triangles it takes part in, 0 if there are none.

    Parameters
    ----------
    A : ndarray, shape (n_subjects, n_rois, n_rois) | (n_rois, n_rois)
        Weighted graphs.

    Returns
    -------
    coherence : ndarray, shape (n_subjects, n_rois) | (n_rois,)

    Examples
    --------
    >>> import numpy as np
    >>> W = np.array([[0, 1, .125], [1, 0, 1], [.125, 1, 0]])
    >>> np.round(motif_coherence(W), 4)
    array([0.7059, 0.7059, 0.7059])
    """
    W = _unit_weights(A)
    out = np.zeros(W.shape[:2])
    for subj, node, nbrs, sub in _neighbourhoods(W != 0):
        wi = W[subj[:, None], node[:, None], nbrs]  # (m, k) weights node - neighbour
        wjk = W[subj[:, None, None], nbrs[:, :, None], nbrs[:, None, :]]
        total = wi[:, :, None] + wi[:, None, :] + wjk
        geo = np.cbrt(wi[:, :, None] * wi[:, None, :] * wjk)
        q = np.divide(3.0 * geo, total, out=np.zeros_like(total), where=sub)
        n_tri = sub.sum(axis=(1, 2))
        out[subj, node] = np.divide(
            q.sum(axis=(1, 2)), n_tri, out=np.zeros(len(subj)), where=n_tri > 0
        )
    return out


@_chunked
def clique4_participation(A):
    """Number of 4-node cliques (complete 4-node motifs) each node takes part in.

    A 4-clique through node ``i`` is a triangle among its neighbours: ``trace(N_i^3) / 6``
    with ``N_i`` the binary subgraph induced by the neighbours of ``i``.

    Parameters
    ----------
    A : ndarray, shape (n_subjects, n_rois, n_rois) | (n_rois, n_rois)

    Returns
    -------
    cliques : ndarray, shape (n_subjects, n_rois) | (n_rois,)
        Equal to counting, per node, the 4-node cliques of ``networkx.enumerate_all_cliques``.

    Examples
    --------
    >>> import numpy as np
    >>> clique4_participation(np.ones((5, 5)) - np.eye(5))
    array([4., 4., 4., 4., 4.])
    """
    B = A != 0
    out = np.zeros(B.shape[:2])
    for subj, node, _, sub in _neighbourhoods(B):
        S = sub.astype(np.float32)
        out[subj, node] = np.einsum("mij,mij->m", S @ S, S, dtype=np.float64) / 6.0
    return out


METRICS = {
    "degree": degree,
    "strength": strength,
    "clustering": clustering,
    "triangles": triangle_participation,
    "squares": square_participation,
    "local_efficiency": local_efficiency,
    "betweenness": betweenness,
    "intensity": motif_intensity,
    "coherence": motif_coherence,
    "cliques4": clique4_participation,
}


def graph_metrics(A, metrics=("degree", "triangles")):
    """Per-node metrics of every graph, concatenated metric by metric.

    Parameters
    ----------
    A : ndarray, shape (n_subjects, n_rois, n_rois)
        Symmetric adjacency matrices (binary or weighted).
    metrics : sequence of str
        Names from :data:`METRICS`: ``'degree'``, ``'strength'`` (sum of weights),
        ``'clustering'``, ``'triangles'`` (3-cycles through the node), ``'squares'``
        (4-cycles), ``'local_efficiency'``, ``'betweenness'``, ``'intensity'`` and
        ``'coherence'`` (Onnela et al.'s weighted 3-cycle motifs), ``'cliques4'`` (4-node
        cliques). All but ``'strength'``, ``'intensity'`` and ``'coherence'`` use
        the binary structure ``A != 0``.

    Returns
    -------
    features : ndarray, shape (n_subjects, len(metrics) * n_rois)
        Columns ``[metric0 of roi0..roiR-1, metric1 of roi0..roiR-1, ...]``.

    Examples
    --------
    >>> import numpy as np
    >>> graph_metrics(np.ones((1, 3, 3)) - np.eye(3), ["degree", "triangles"])
    array([[2., 2., 2., 1., 1., 1.]])
    """
    return np.concatenate([METRICS[m](A) for m in metrics], axis=1)


# ----------------------------------------------------------------------------------------
# estimators
# ----------------------------------------------------------------------------------------
def _roi_names(roi_names, n_rois, name="roi_names"):
    if roi_names is None:
        return [f"roi{i}" for i in range(n_rois)]
    roi_names = [str(r) for r in roi_names]
    if len(roi_names) != n_rois:
        raise ValueError(f"{name} has {len(roi_names)} names but the data has {n_rois} ROIs.")
    return roi_names


def _check_subjects(X):
    """ROI time series as a list of arrays, with values small enough to square."""
    X = check_timeseries(X)
    for i, x in enumerate(X):
        check_magnitude(x, f"X[{i}]")
    return X


def _check_graphs(A, name="A"):
    A = check_epochs(A, name=name, ndim=3, min_times=2)
    if A.shape[1] != A.shape[2]:
        raise ValueError(
            f"{name} must hold square adjacency matrices of shape (n_subjects, n_rois, "
            f"n_rois), got {A.shape}; pass graphs from ConnectivityGraph."
        )
    scale = max(float(np.max(np.abs(A))), 1.0)
    if np.max(np.abs(A - np.swapaxes(A, 1, 2))) > 1e-8 * scale:
        raise ValueError(f"{name} holds non-symmetric matrices; graphs must be undirected.")
    return A


@public_module("neuropipe.features")
class ConnectivityGraph(TransformerMixin, BaseEstimator):
    """Functional connectivity graphs from ROI time series (nilearn ``ConnectivityMeasure``).

    Parameters
    ----------
    kind : {'correlation', 'partial correlation', 'tangent'}
        Connectivity measure. ``'tangent'`` learns a group mean covariance in ``fit``
        (inside the CV folds).
    cov_estimator : sklearn covariance estimator | None
        Covariance estimator passed to nilearn (cloned, with ``store_precision=False``
        where it has that parameter); None uses nilearn's default
        ``LedoitWolf(store_precision=False)``. ``EmpiricalCovariance()`` gives Pearson
        correlations.
    threshold : float | None
        Keep edges whose score (``|w|`` if ``absolute``) is strictly above this value. A
        subject left without edges raises a ValueError (lower the threshold or use
        ``density``).
    density : float in (0, 1] | None
        Keep the same fraction of the strongest edges in every subject (used when
        ``threshold`` is None). With both None the full weighted matrix is returned.
    absolute : bool
        Rank and weight edges by ``|w|``.
    binarize : bool
        Kept edges get weight 1 (needs ``threshold`` or ``density``).
    fisher_z : bool
        Apply ``arctanh`` to (partial) correlations before thresholding (not for tangent).
    zero_variance : {'isolate', 'raise'}
        Constant ROIs (two ABIDE subjects have an all-zero ROI): ``'isolate'`` gives them no
        edges (see :func:`connectivity_graphs`); ``'raise'`` refuses them.

    Attributes
    ----------
    measure_ : nilearn.connectome.ConnectivityMeasure
        The measure (fitted on the training subjects for ``kind='tangent'``; the other
        kinds learn nothing and are computed subject by subject).
    n_rois_ : int
        Number of ROIs seen in ``fit``.

    Examples
    --------
    >>> import numpy as np
    >>> rng = np.random.default_rng(0)
    >>> X = [rng.standard_normal((100, 10)) for _ in range(3)]
    >>> A = ConnectivityGraph(density=0.2).fit_transform(X)
    >>> A.shape, int(A[0].sum() / 2)
    ((3, 10, 10), 9)
    """

    def __init__(
        self,
        kind="correlation",
        cov_estimator=None,
        threshold=None,
        density=0.1,
        absolute=True,
        binarize=True,
        fisher_z=False,
        zero_variance="isolate",
    ):
        self.kind = kind
        self.cov_estimator = cov_estimator
        self.threshold = threshold
        self.density = density
        self.absolute = absolute
        self.binarize = binarize
        self.fisher_z = fisher_z
        self.zero_variance = zero_variance

    def _validate_params(self):
        check_option("kind", self.kind, _KINDS)
        check_option("zero_variance", self.zero_variance, ["isolate", "raise"])
        if self.threshold is not None and self.density is not None:
            raise ValueError(
                f"Set either threshold ({self.threshold}) or density ({self.density}), not "
                f"both; pass density=None to threshold by value."
            )
        if self.density is not None and not 0 < self.density <= 1:
            raise ValueError(f"'density' must be in (0, 1], got {self.density!r}.")
        if self.binarize and self.threshold is None and self.density is None:
            raise ValueError(
                "binarize=True with neither threshold nor density would give a complete "
                "graph; set density= (e.g. 0.1) or threshold=, or binarize=False."
            )
        if self.fisher_z and self.kind == "tangent":
            raise ValueError(
                "fisher_z applies to (partial) correlations, not to tangent-space values; "
                "use fisher_z=False with kind='tangent'."
            )

    def fit(self, X, y=None):
        """Validate the time series and fit the connectivity measure.

        Parameters
        ----------
        X : list of ndarray, each shape (n_timepoints, n_rois) | DataFrame
            One array per subject, or a DataFrame with a ``'timeseries'`` column.
        y : None
            Ignored.

        Returns
        -------
        self : ConnectivityGraph
        """
        self._validate_params()
        X = _check_subjects(X)
        _check_graph_size(len(X), X[0].shape[1])  # before nilearn holds every covariance

        from nilearn.connectome import ConnectivityMeasure

        estimator = (
            LedoitWolf(store_precision=False)
            if self.cov_estimator is None
            else clone(self.cov_estimator)
        )
        if "store_precision" in estimator.get_params():  # nilearn never reads it; saves a pinvh
            estimator.set_params(store_precision=False)
        self.measure_ = ConnectivityMeasure(cov_estimator=estimator, kind=self.kind)
        if self.kind == "tangent":
            with _one_blas_thread():
                self.measure_.fit(X)
        self.n_rois_ = X[0].shape[1]
        return self

    def transform(self, X):
        """Compute and threshold every subject's connectivity matrix.

        Parameters
        ----------
        X : list of ndarray, each shape (n_timepoints, n_rois) | DataFrame

        Returns
        -------
        A : ndarray, shape (n_subjects, n_rois, n_rois)
            Symmetric graphs with zero diagonal.
        """
        check_is_fitted(self)
        X = _check_subjects(X)
        check_n_channels(self, X[0], unit="ROIs")
        W = connectivity_graphs(
            X, self.measure_, fisher_z=self.fisher_z, zero_variance=self.zero_variance
        )
        return threshold_graphs(
            W,
            threshold=self.threshold,
            density=self.density,
            absolute=self.absolute,
            binarize=self.binarize,
        )


@public_module("neuropipe.features")
class GraphMetrics(TransformerMixin, BaseEstimator):
    """Per-node graph metrics of each subject's graph, as named features.

    Parameters
    ----------
    metrics : sequence of str
        Any of ``'degree'``, ``'strength'``, ``'clustering'``, ``'triangles'``,
        ``'squares'``, ``'local_efficiency'``, ``'betweenness'`` (see
        :func:`graph_metrics`). The default, degree and 3-cycle counts, is Dey et al.'s
        motif set.
    roi_names : list of str | None
        Names used in the feature names (default ``'roi0'``, ``'roi1'``...).

    Attributes
    ----------
    n_rois_ : int
        Number of nodes seen in ``fit``.

    Examples
    --------
    >>> import numpy as np
    >>> A = np.ones((2, 3, 3)) - np.eye(3)
    >>> gm = GraphMetrics(["triangles"]).fit(A)
    >>> gm.transform(A)[0], list(gm.get_feature_names_out())
    (array([1., 1., 1.]), ['roi0_triangles', 'roi1_triangles', 'roi2_triangles'])
    """

    def __init__(self, metrics=("degree", "triangles"), roi_names=None):
        self.metrics = metrics
        self.roi_names = roi_names

    def _check_metrics(self):
        metrics = [self.metrics] if isinstance(self.metrics, str) else list(self.metrics)
        if not metrics:
            raise ValueError(f"'metrics' is empty; choose from {list(METRICS)}.")
        for m in metrics:
            check_option("metrics", m, list(METRICS))
        return metrics

    def fit(self, X, y=None):
        """Check the graphs and the metric names.

        Parameters
        ----------
        X : ndarray, shape (n_subjects, n_rois, n_rois)
            Adjacency matrices, e.g. from :class:`ConnectivityGraph`.
        y : None
            Ignored.

        Returns
        -------
        self : GraphMetrics
        """
        self._check_metrics()
        X = _check_graphs(X, "X")
        self.n_rois_ = X.shape[1]
        _roi_names(self.roi_names, self.n_rois_)
        return self

    def transform(self, X):
        """Compute the metrics.

        Parameters
        ----------
        X : ndarray, shape (n_subjects, n_rois, n_rois)

        Returns
        -------
        features : ndarray, shape (n_subjects, len(metrics) * n_rois)
        """
        check_is_fitted(self)
        X = _check_graphs(X, "X")
        check_n_channels(self, X, unit="ROIs")
        metrics = self._check_metrics()
        # per-graph values: computed once per distinct graph across CV folds (cached)
        return cached_per_subject(
            X, ("graph_metrics", tuple(metrics)), lambda idx: graph_metrics(X[idx], metrics)
        )

    def get_feature_names_out(self, input_features=None):
        """Feature names ``'<roi>_<metric>'``, metric by metric.

        Returns
        -------
        names : ndarray of str, shape (len(metrics) * n_rois,)
        """
        check_is_fitted(self)
        rois = _roi_names(self.roi_names, self.n_rois_)
        return np.array([f"{r}_{m}" for m in self._check_metrics() for r in rois], dtype=object)


@public_module("neuropipe.features")
class DensityIntegratedMetrics(GraphMetrics):
    """Per-node graph metrics averaged over a range of graph densities.

    A single threshold makes motif counts depend on an arbitrary cut; integrating them over
    densities (an area under the curve, as in Achard & Bullmore 2007 and Ginestet et al.
    2011) removes that choice. Each subject's weighted matrix is thresholded at every
    density of ``densities`` (the strongest edges, as :func:`threshold_graphs`), the metrics
    are computed on each binary graph and averaged over the densities.

    Parameters
    ----------
    metrics : sequence of str
        Names from :data:`METRICS`.
    densities : sequence of float in (0, 1]
        Graph densities to integrate over.
    absolute : bool
        Rank edges by ``|w|`` (else by the signed weight: positive edges only).
    binarize : bool
        Binary graphs at each density (else weighted, for ``'intensity'`` / ``'coherence'``).
    roi_names : list of str | None
        Names used in the feature names.

    Examples
    --------
    >>> import numpy as np
    >>> rng = np.random.default_rng(0)
    >>> W = rng.uniform(-1, 1, (2, 6, 6)); W = (W + W.transpose(0, 2, 1)) / 2
    >>> F = DensityIntegratedMetrics(["degree"], densities=[0.2, 0.4]).fit_transform(W)
    >>> F.shape, float(F[0].sum())  # mean edge count 4.5 -> degree sum 9
    ((2, 6), 9.0)
    """

    def __init__(
        self,
        metrics=("degree", "triangles"),
        densities=(0.05, 0.1, 0.15, 0.2, 0.25, 0.3),
        absolute=False,
        binarize=True,
        roi_names=None,
    ):
        super().__init__(metrics=metrics, roi_names=roi_names)
        self.densities = densities
        self.absolute = absolute
        self.binarize = binarize

    def transform(self, X):
        """Metrics averaged over the densities.

        Parameters
        ----------
        X : ndarray, shape (n_subjects, n_rois, n_rois)
            Weighted (unthresholded) connectivity matrices.

        Returns
        -------
        features : ndarray, shape (n_subjects, len(metrics) * n_rois)
        """
        check_is_fitted(self)
        X = _check_graphs(X, "X")
        check_n_channels(self, X, unit="ROIs")
        densities = np.atleast_1d(np.asarray(self.densities, dtype=float))
        if densities.size == 0 or np.any(densities <= 0) or np.any(densities > 1):
            raise ValueError(f"'densities' must be values in (0, 1], got {self.densities!r}.")
        metrics = self._check_metrics()

        def compute(idx):
            W = X[idx]
            return np.mean(
                [
                    graph_metrics(
                        threshold_graphs(
                            W, density=d, absolute=self.absolute, binarize=self.binarize
                        ),
                        metrics,
                    )
                    for d in densities
                ],
                axis=0,
            )

        key = ("density_integrated", tuple(metrics), tuple(densities), self.absolute, self.binarize)
        return cached_per_subject(X, key, compute)


@public_module("neuropipe.features")
class EdgeVector(TransformerMixin, BaseEstimator):
    """Upper-triangle edge weights of each graph (the connectome feature vector).

    Parameters
    ----------
    roi_names : list of str | None
        Names used in the feature names ``'<roi_a>-<roi_b>'`` (default ``'roi0'``...).

    Attributes
    ----------
    n_rois_ : int

    Examples
    --------
    >>> import numpy as np
    >>> W = np.array([[[0, .1, .2], [.1, 0, .3], [.2, .3, 0]]])
    >>> ev = EdgeVector().fit(W)
    >>> ev.transform(W), list(ev.get_feature_names_out())
    (array([[0.1, 0.2, 0.3]]), ['roi0-roi1', 'roi0-roi2', 'roi1-roi2'])
    """

    def __init__(self, roi_names=None):
        self.roi_names = roi_names

    def fit(self, X, y=None):
        """Record the number of nodes.

        Parameters
        ----------
        X : ndarray, shape (n_subjects, n_rois, n_rois)
        y : None
            Ignored.

        Returns
        -------
        self : EdgeVector
        """
        X = _check_graphs(X, "X")
        self.n_rois_ = X.shape[1]
        _roi_names(self.roi_names, self.n_rois_)
        return self

    def transform(self, X):
        """Vectorise the strict upper triangle.

        Parameters
        ----------
        X : ndarray, shape (n_subjects, n_rois, n_rois)

        Returns
        -------
        edges : ndarray, shape (n_subjects, n_rois * (n_rois - 1) / 2)
        """
        check_is_fitted(self)
        X = _check_graphs(X, "X")
        check_n_channels(self, X, unit="ROIs")
        iu = np.triu_indices(self.n_rois_, k=1)
        return X[:, iu[0], iu[1]]

    def get_feature_names_out(self, input_features=None):
        """Edge names ``'<roi_a>-<roi_b>'`` in upper-triangle order."""
        check_is_fitted(self)
        rois = _roi_names(self.roi_names, self.n_rois_)
        iu = np.triu_indices(self.n_rois_, k=1)
        return np.array([f"{rois[a]}-{rois[b]}" for a, b in zip(*iu)], dtype=object)
