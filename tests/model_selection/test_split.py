"""Splitters of neuropipe.model_selection: scikit-learn cross-validators whose grouping
column is a parameter (the protocol tests are in tests/evaluation/test_one_evaluation.py)."""

import numpy as np
import pandas as pd
import pytest
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import BaseCrossValidator, GridSearchCV, cross_val_score

from neuropipe.datasets.abide import SITE_COLUMN
from neuropipe.model_selection import (
    INNER_SPLIT,
    CrossSessionSplitter,
    CrossSubjectSplitter,
    LeaveSiteOut,
    SiteGroupKFold,
    SiteLabelStratifiedKFold,
    TimeOrderedSplit,
    WithinSessionSplitter,
    make_splitter,
)

SPLITTERS = [
    CrossSessionSplitter(),
    CrossSubjectSplitter(),
    LeaveSiteOut(),
    SiteGroupKFold(),
    SiteLabelStratifiedKFold(),
    TimeOrderedSplit(),
    WithinSessionSplitter(),
]


@pytest.mark.parametrize("cv", SPLITTERS, ids=lambda cv: type(cv).__name__)
def test_every_splitter_is_a_cross_validator_named_by_its_public_path(cv):
    assert isinstance(cv, BaseCrossValidator)
    assert type(cv).__module__ == "neuropipe.model_selection"
    assert repr(cv).startswith(f"{type(cv).__name__}(")


def test_grouping_columns_are_parameters():
    meta = pd.DataFrame(
        {"participant": np.repeat([1, 2, 3], 4), "scanner": np.repeat(["A", "B"], 6)}
    )
    X = np.zeros((12, 1))
    folds = CrossSubjectSplitter(column="participant").split(X, groups=meta)
    assert [test.tolist() for _, test in folds] == [[0, 1, 2, 3], [4, 5, 6, 7], [8, 9, 10, 11]]
    folds = LeaveSiteOut(column="scanner").split(X, groups=meta)
    assert [test.tolist() for _, test in folds] == [list(range(6)), list(range(6, 12))]
    with pytest.raises(ValueError, match="no 'site' column.*column="):
        next(LeaveSiteOut().split(X, groups=meta))
    y = np.tile([0, 1], 6)
    cv = SiteLabelStratifiedKFold(3, random_state=0, column="scanner")
    assert all(np.bincount(y[test]).tolist() == [2, 2] for _, test in cv.split(X, y, meta))
    cv = WithinSessionSplitter(2, random_state=0, columns=("participant",))
    assert [len(test) for _, test in cv.split(X, y, groups=meta)] == [2] * 6
    assert SiteGroupKFold().site == SITE_COLUMN  # the default column is ABIDE's


def test_splitters_plug_into_cross_val_score_and_grid_search():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(40, 2))
    y = (X[:, 0] + rng.normal(scale=0.5, size=40) > 0).astype(int)
    sites = np.repeat(list("ABCD"), 10)
    scores = cross_val_score(LogisticRegression(), X, y, cv=LeaveSiteOut(), groups=sites)
    assert scores.shape == (4,)
    search = GridSearchCV(LogisticRegression(), {"C": [0.1, 1.0]}, cv=INNER_SPLIT).fit(X, y)
    assert search.n_splits_ == 1 and make_splitter("time-ordered").gap == 0
    frame = pd.DataFrame({"x": X[:, 0], SITE_COLUMN: sites})
    assert SiteGroupKFold(3).get_n_splits(frame) == 3


def test_a_saved_search_names_the_public_path_of_its_splitter(tmp_path):
    import skops.io as sio
    from sklearn.linear_model import Ridge

    from neuropipe.model_selection import time_ordered_search
    from neuropipe.persistence import load, save, untrusted_types

    rng = np.random.default_rng(0)
    X = rng.normal(size=(50, 3))
    y = X @ [1.0, -1.0, 0.5] + rng.normal(scale=0.1, size=50)
    search = time_ordered_search(Ridge(), {"alpha": [0.1, 1.0]}).fit(X, y)
    path = save(search, tmp_path / "search.skops")
    types = sio.get_untrusted_types(file=path)
    assert "neuropipe.model_selection.TimeOrderedSplit" in types
    assert not any("evaluation" in name for name in types)
    assert untrusted_types(path) == []  # trusted by neuropipe.persistence
    np.testing.assert_array_equal(load(path).predict(X), search.predict(X))
