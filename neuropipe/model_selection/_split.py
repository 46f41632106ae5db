"""Splitters: every evaluation protocol as a scikit-learn cross-validator.

Every protocol of the benchmark is a :class:`~sklearn.model_selection.BaseCrossValidator`
with scikit-learn's ``split(X, y=None, groups=None)`` / ``get_n_splits`` interface, so it
composes with :func:`sklearn.model_selection.cross_validate`, ``GridSearchCV`` and the
benchmark runner. ``groups`` is either the metadata table of the samples (a DataFrame with
the splitter's grouping column, by default ``subject``, ``session`` or ``site``) or, as in
scikit-learn, a 1-D array of those labels. The grouping column is a parameter of each
splitter (``column=``), so a dataset whose table names it otherwise needs no new class.

========================== ============================== ==========
protocol                   splitter                       family
========================== ============================== ==========
``within-session``         :class:`WithinSessionSplitter` EEG
``cross-session``          :class:`CrossSessionSplitter`  EEG
``cross-subject``          :class:`CrossSubjectSplitter`  EEG
``leave-site-out``         :class:`LeaveSiteOut`          fMRI
``stratified-<k>fold``     :class:`SiteLabelStratifiedKFold` fMRI
``time-ordered``           :class:`TimeOrderedSplit`      decoding
========================== ============================== ==========

Inner splitters for model selection inside a pipeline: :class:`SiteGroupKFold` reads each
subject's site from a column of ``X`` (no ``groups``), so ``GridSearchCV(...,
cv=SiteGroupKFold())`` keeps training sites whole; :data:`INNER_SPLIT` is the time-ordered
validation split inside a decoding training segment.

MOABB's own splitters (``moabb.evaluations.splitters``) take ``split(y, metadata)`` and
shuffle the order of subjects, so they do not plug into ``cross_validate``; these produce
the folds of MOABB's evaluations (``StratifiedKFold(n_splits, shuffle=True,
random_state=seed)`` in each session; ``LeaveOneGroupOut`` over sessions or subjects) in
scikit-learn's interface.
"""

from __future__ import annotations

import re

import numpy as np
from sklearn.model_selection import (
    BaseCrossValidator,
    GroupKFold,
    LeaveOneGroupOut,
    StratifiedKFold,
)

__all__ = [
    "INNER_SPLIT",
    "CrossSessionSplitter",
    "CrossSubjectSplitter",
    "LeaveSiteOut",
    "SiteGroupKFold",
    "SiteLabelStratifiedKFold",
    "TimeOrderedSplit",
    "WithinSessionSplitter",
    "make_splitter",
]

_STRATIFIED = re.compile(r"^stratified-(\d+)fold$")


def _labels(groups, column, n_samples):
    """The ``column`` labels of ``groups`` (a metadata DataFrame, or the labels themselves)."""
    if groups is None:
        raise ValueError(
            f"The {column!r} of every sample is needed: pass groups=metadata (a DataFrame "
            f"with a {column!r} column) or groups=<array of {column} labels>."
        )
    if hasattr(groups, "columns"):
        if column not in groups.columns:
            raise ValueError(
                f"groups has no {column!r} column (columns: {list(groups.columns)}); pass the "
                f"metadata table with a {column!r} column, or set the splitter's column=."
            )
        groups = groups[column]
    labels = np.asarray(groups)
    if labels.shape != (n_samples,):
        raise ValueError(
            f"groups has {len(labels)} {column} labels for {n_samples} samples; give one label "
            f"per sample."
        )
    return labels


def _groupby(labels):
    """Indices of each distinct label, in sorted label order."""
    values, inverse = np.unique(labels, return_inverse=True)
    return {v: np.flatnonzero(inverse == i) for i, v in enumerate(values)}


class _LeaveOneGroupOut(BaseCrossValidator):
    """Leave one value of ``column`` out (``LeaveOneGroupOut``), within each ``within``."""

    within = None

    def _splits(self, X, groups):
        n = len(X)
        held_out = _labels(groups, self.column, n)
        blocks = (
            [np.arange(n)]
            if self.within is None
            else list(_groupby(_labels(groups, self.within, n)).values())
        )
        for block in blocks:
            if np.unique(held_out[block]).size < 2:
                continue
            for train, test in LeaveOneGroupOut().split(block, groups=held_out[block]):
                yield block[train], block[test]

    def split(self, X, y=None, groups=None):
        """Yield train and test indices; ``groups``: metadata table or labels (see module)."""
        yield from self._splits(X, groups)

    def get_n_splits(self, X=None, y=None, groups=None):
        """Number of splits (needs ``X`` and ``groups``)."""
        if X is None:
            raise ValueError(f"{type(self).__name__}.get_n_splits needs X and groups.")
        return sum(1 for _ in self._splits(X, groups))


class CrossSubjectSplitter(_LeaveOneGroupOut):
    """Leave one subject out: train on all other subjects, test on the held-out one.

    Parameters
    ----------
    column : str, default="subject"
        Column of the metadata table ``groups`` naming each sample's subject (``groups``
        may also be the subject labels themselves).

    Examples
    --------
    >>> import numpy as np
    >>> X = np.zeros((6, 2)); subjects = [1, 1, 2, 2, 3, 3]
    >>> [test.tolist() for _, test in CrossSubjectSplitter().split(X, groups=subjects)]
    [[0, 1], [2, 3], [4, 5]]
    """

    def __init__(self, column="subject"):
        self.column = column


class LeaveSiteOut(_LeaveOneGroupOut):
    """Leave one acquisition site out (a classifier on a scanner it has never seen).

    Parameters
    ----------
    column : str, default="site"
        Column of the metadata table ``groups`` naming each sample's site (``groups`` may
        also be the site labels themselves).

    Examples
    --------
    >>> import numpy as np
    >>> sites = np.repeat(["A", "B", "C"], 2)
    >>> [test.tolist() for _, test in LeaveSiteOut().split(np.zeros((6, 1)), groups=sites)]
    [[0, 1], [2, 3], [4, 5]]
    """

    def __init__(self, column="site"):
        self.column = column

    def _splits(self, X, groups):
        sites = _labels(groups, self.column, len(X))
        if np.unique(sites).size < 2:
            raise ValueError(
                f"Protocol 'leave-site-out' needs at least 2 sites, got "
                f"{np.unique(sites).tolist()}; use 'stratified-10fold'."
            )
        yield from super()._splits(X, groups)


class CrossSessionSplitter(_LeaveOneGroupOut):
    """Leave one session out, within each subject (subjects with one session give no fold).

    Parameters
    ----------
    column : str, default="session"
        Column of the metadata table ``groups`` naming each sample's session.
    within : str, default="subject"
        Column of the blocks inside which sessions are left out.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> meta = pd.DataFrame({"subject": [1, 1, 1, 1, 2, 2], "session": list("aabbaa")})
    >>> [test.tolist() for _, test in CrossSessionSplitter().split(np.zeros((6, 1)), groups=meta)]
    [[0, 1], [2, 3]]
    """

    def __init__(self, column="session", within="subject"):
        self.column = column
        self.within = within


class WithinSessionSplitter(BaseCrossValidator):
    """Stratified k-fold cross-validation inside each session of each subject (MOABB's
    ``WithinSessionEvaluation`` folds).

    Every (subject, session) block is split by
    ``StratifiedKFold(n_splits, shuffle=True, random_state=random_state)`` on its own labels;
    a test fold never leaves its session. Blocks come in sorted (subject, session) order.

    Parameters
    ----------
    n_splits : int
        Folds per session.
    random_state : int | None
        Seed of the shuffling (the same seed gives MOABB's folds).
    columns : tuple of str, default=("subject", "session")
        Columns of the metadata table ``groups`` whose values make a block (those present
        are used; with none, the whole data is one block). Labels given as an array are
        the sessions.

    Examples
    --------
    >>> import numpy as np
    >>> y = np.array([0, 1] * 4)
    >>> cv = WithinSessionSplitter(n_splits=2, random_state=0)
    >>> [len(test) for _, test in cv.split(np.zeros((8, 1)), y, groups=[1] * 8)]
    [4, 4]
    """

    def __init__(self, n_splits=5, random_state=42, columns=("subject", "session")):
        self.n_splits = n_splits
        self.random_state = random_state
        self.columns = columns

    def _blocks(self, X, groups):
        n = len(X)
        if groups is None:
            return [np.arange(n)]
        if hasattr(groups, "columns"):
            keys = [c for c in self.columns if c in groups.columns]
            if not keys:
                return [np.arange(n)]
            return [np.asarray(i) for i in groups.groupby(keys, sort=True).indices.values()]
        return list(_groupby(_labels(groups, self.columns[-1], n)).values())

    def split(self, X, y=None, groups=None):
        """Yield train and test indices (``y`` required: folds are stratified)."""
        if y is None:
            raise ValueError("WithinSessionSplitter stratifies by label: pass y.")
        y = np.asarray(y)
        cv = StratifiedKFold(self.n_splits, shuffle=True, random_state=self.random_state)
        for block in self._blocks(X, groups):
            for train, test in cv.split(block, y[block]):
                yield block[train], block[test]

    def get_n_splits(self, X=None, y=None, groups=None):
        """``n_splits`` per (subject, session) block."""
        return self.n_splits * (1 if X is None else len(self._blocks(X, groups)))


class SiteLabelStratifiedKFold(BaseCrossValidator):
    """k folds stratified jointly by site and label: every fold keeps each site's label mix.

    Parameters
    ----------
    n_splits : int
        Number of folds (every site x label group needs at least this many samples).
    random_state : int | None
        Seed of the shuffling.
    column : str, default="site"
        Column of the metadata table ``groups`` naming each sample's site (``groups`` may
        also be the site labels themselves).

    Examples
    --------
    >>> import numpy as np
    >>> y = np.array([0, 1] * 6); sites = np.repeat(["A", "B"], 6)
    >>> cv = SiteLabelStratifiedKFold(3, random_state=0)
    >>> [np.bincount(y[test]).tolist() for _, test in cv.split(np.zeros(12), y, groups=sites)]
    [[2, 2], [2, 2], [2, 2]]
    """

    def __init__(self, n_splits=10, random_state=0, column="site"):
        self.n_splits = n_splits
        self.random_state = random_state
        self.column = column

    def split(self, X, y=None, groups=None):
        """Yield train and test indices; ``groups``: metadata (site column) or sites."""
        y = np.asarray(y)
        site = _labels(groups, self.column, len(y)).astype(str)
        strata = np.char.add(np.char.add(site, "|"), y.astype(str))
        _, counts = np.unique(strata, return_counts=True)
        if self.n_splits < 2 or counts.min() < self.n_splits:
            raise ValueError(
                f"Protocol 'stratified-{self.n_splits}fold': the smallest site x label group "
                f"has {counts.min()} subjects, fewer than the {self.n_splits} folds (and k must "
                f"be >= 2); use fewer folds, e.g. 'stratified-5fold'."
            )
        cv = StratifiedKFold(self.n_splits, shuffle=True, random_state=self.random_state)
        yield from cv.split(y, strata)

    def get_n_splits(self, X=None, y=None, groups=None):
        """Return ``n_splits``."""
        return self.n_splits


class SiteGroupKFold(BaseCrossValidator):
    """K-fold splitter that keeps each site whole, reading the sites from ``X`` itself.

    A cross-validation splitter for ``load_abide().X``: the subjects of one site are never
    split between training and validation, so an inner model selection (``GridSearchCV(...,
    cv=SiteGroupKFold())``) chooses the setting that generalises to unseen sites, as the
    leave-one-site-out protocol asks, without the caller passing ``groups``.

    Parameters
    ----------
    n_splits : int
        Number of folds (``GroupKFold``); lowered to the number of sites when fewer.
    site : str, default="SITE_ID"
        Column of ``X`` naming each subject's site (that of
        :data:`neuropipe.datasets.abide.SITE_COLUMN`).

    Examples
    --------
    >>> import pandas as pd
    >>> X = pd.DataFrame({"SITE_ID": ["A", "A", "B", "B", "C", "C"]})
    >>> sorted(X["SITE_ID"].iloc[test].unique().tolist() for _, test in SiteGroupKFold(5).split(X))
    [['A'], ['B'], ['C']]
    """

    def __init__(self, n_splits=5, site="SITE_ID"):
        self.n_splits = n_splits
        self.site = site

    def _sites(self, X):
        if not hasattr(X, "columns") or self.site not in X.columns:
            raise ValueError(
                f"SiteGroupKFold reads the sites from the {self.site!r} column of X, but X "
                f"has no such column; pass load_abide().X (a DataFrame with {self.site!r}), "
                f"or use GroupKFold with groups=."
            )
        sites = X[self.site].to_numpy().astype(str)
        n_sites = np.unique(sites).size
        if n_sites < 2:
            raise ValueError(
                f"SiteGroupKFold needs subjects of at least 2 sites, got {n_sites}; use "
                f"StratifiedKFold within one site."
            )
        return sites, min(self.n_splits, n_sites)

    def get_n_splits(self, X=None, y=None, groups=None):
        """Number of folds for ``X`` (``n_splits`` or its number of sites if fewer)."""
        if X is None:
            return self.n_splits
        return self._sites(X)[1]

    def split(self, X, y=None, groups=None):
        """Yield ``(train, validation)`` indices with every site on one side; ``groups``
        is ignored (the sites come from ``X``)."""
        sites, n_splits = self._sites(X)
        yield from GroupKFold(n_splits).split(X, y, sites)


def _n_rows(size, n, name):
    if isinstance(size, (float, np.floating)) and 0 <= size < 1:
        return int(round(size * n))
    if isinstance(size, (int, np.integer)) and not isinstance(size, bool) and size >= 0:
        return int(size)
    raise ValueError(f"{name!r} must be an int >= 0 or a float in [0, 1), got {size!r}.")


class TimeOrderedSplit(BaseCrossValidator):
    """One contiguous split: the first bins train, the bins after an optional gap test.

    Parameters
    ----------
    train_size : int | float
        Number (int) or share (float in (0, 1)) of bins for training, from the start.
    test_size : int | float
        Number or share of bins for testing, right after the gap.
    gap : int | float
        Bins skipped between train and test (e.g. a 15 % validation segment).

    Examples
    --------
    >>> import numpy as np
    >>> train, test = next(TimeOrderedSplit(0.7, 0.15, gap=0.15).split(np.zeros((20, 1))))
    >>> train.tolist() == list(range(14)), test.tolist()
    (True, [17, 18, 19])
    """

    def __init__(self, train_size=0.7, test_size=0.15, gap=0):
        self.train_size = train_size
        self.test_size = test_size
        self.gap = gap

    def get_n_splits(self, X=None, y=None, groups=None):
        """Return 1 (a single split)."""
        return 1

    def split(self, X, y=None, groups=None):
        """Yield the train and test row indices.

        Parameters
        ----------
        X : array-like, shape (n_bins, n_features)
        y, groups : None
            Ignored.

        Yields
        ------
        train, test : ndarray of int
        """
        n = len(X)
        n_train = _n_rows(self.train_size, n, "train_size")
        n_gap = _n_rows(self.gap, n, "gap")
        n_test = _n_rows(self.test_size, n, "test_size")
        if n_train < 1 or n_test < 1 or n_train + n_gap + n_test > n:
            raise ValueError(
                f"Cannot take {n_train} train, {n_gap} gap and {n_test} test bins from "
                f"{n} bins; lower train_size, gap or test_size."
            )
        start = n_train + n_gap
        yield np.arange(n_train), np.arange(start, start + n_test)


#: The time-ordered validation split inside a training segment: its first 80 % fit, its
#: last 20 % validate. Decoding pipeline files use it through :func:`time_ordered_search`.
INNER_SPLIT = TimeOrderedSplit(train_size=0.8, test_size=0.2)


def make_splitter(protocol: str, *, n_splits: int = 5, random_state=None, **kwargs):
    """The splitter of a protocol name.

    Parameters
    ----------
    protocol : str
        ``"within-session"``, ``"cross-session"``, ``"cross-subject"``, ``"leave-site-out"``,
        ``"stratified-<k>fold"`` or ``"time-ordered"``.
    n_splits : int
        Folds of ``"within-session"``.
    random_state : int | None
        Seed of the shuffled protocols.
    **kwargs
        For ``"time-ordered"``: ``train_size``, ``test_size``, ``gap``.

    Returns
    -------
    cv : scikit-learn cross-validator

    Examples
    --------
    >>> make_splitter("stratified-10fold", random_state=0).n_splits
    10
    """
    match = _STRATIFIED.match(str(protocol))
    if match:
        return SiteLabelStratifiedKFold(int(match.group(1)), random_state=random_state)
    simple = {
        "cross-session": CrossSessionSplitter,
        "cross-subject": CrossSubjectSplitter,
        "leave-site-out": LeaveSiteOut,
    }
    if protocol in simple:
        return simple[protocol]()
    if protocol == "within-session":
        return WithinSessionSplitter(n_splits, random_state=random_state)
    if protocol == "time-ordered":
        return TimeOrderedSplit(**kwargs)
    raise ValueError(
        f"Invalid value for the 'protocol' parameter. Allowed values are 'within-session', "
        f"'cross-session', 'cross-subject', 'leave-site-out', 'stratified-<k>fold' (e.g. "
        f"'stratified-10fold') and 'time-ordered', but got {protocol!r} instead."
    )
