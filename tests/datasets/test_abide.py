"""Tests for neuropipe.datasets.abide on the real files: counts, folders, NEUROPIPE_DATA, zero ROIs."""

import gzip
import shutil
import warnings

import numpy as np
import pandas as pd
import pytest

from neuropipe.datasets.abide import (
    DEFAULT_PATH,
    PHENOTYPE_FILE,
    SITE_TR,
    abide_path,
    load_abide,
)
from neuropipe.model_selection import SiteGroupKFold

MORE = DEFAULT_PATH.parents[2] / "shared" / "data" / "abide-pcp-cc200-more"
ZERO_NYU = {"NYU_0051062", "NYU_0051118"}


def _fetch_tree(root, file_ids):
    """A nilearn fetch_abide_pcp layout holding ``file_ids`` from the bundled copy."""
    tree = root / "ABIDE_pcp"
    rois = tree / "cpac" / "filt_global" / "rois_cc200"
    rois.mkdir(parents=True)
    for file_id in file_ids:  # nilearn stores them uncompressed
        src = DEFAULT_PATH / "rois_cc200" / f"{file_id}_rois_cc200.1D.gz"
        (rois / f"{file_id}_rois_cc200.1D").write_bytes(gzip.decompress(src.read_bytes()))
    shutil.copy(DEFAULT_PATH / PHENOTYPE_FILE, tree / PHENOTYPE_FILE)
    return tree


@pytest.mark.slow
def test_bundled_counts_labels_and_zero_roi_warning():
    with pytest.warns(UserWarning, match="2 subject\\(s\\) have ROI columns that are zero") as rec:
        data = load_abide()
    message = str(rec[0].message)
    assert all(s in message for s in ZERO_NYU)
    assert len(data.y) == 249 and int(data.y.sum()) == 107
    assert dict(zip(*np.unique(data.site, return_counts=True))) == {
        "KKI": 48,
        "NYU": 175,
        "OHSU": 26,
    }
    assert list(data.X.columns) == [
        "timeseries",
        "AGE_AT_SCAN",
        "SEX",
        "func_mean_fd",
        "SITE_ID",
    ]
    zero = {s: z.tolist() for s, z in zip(data.subjects, data.zero_rois) if z.size}
    assert set(zero) == ZERO_NYU and all(len(z) == 1 for z in zero.values())
    for s, (roi,) in zero.items():  # the listed column really is all zero, the data unchanged
        ts = data.timeseries[list(data.subjects).index(s)]
        assert not ts[:, roi].any() and ts.shape[1] == 200


@pytest.mark.slow
def test_zero_rois_drop_and_raise():
    with pytest.warns(UserWarning, match="They are dropped"):
        data = load_abide(sites=["NYU"], zero_rois="drop")
    assert len(data.y) == 173 and not ZERO_NYU & set(data.subjects)
    assert all(z.size == 0 for z in data.zero_rois)
    with pytest.raises(ValueError, match="NYU_0051062 \\(1\\)"):
        load_abide(sites=["NYU"], zero_rois="raise")
    with pytest.raises(ValueError, match="Allowed values are 'keep', 'drop' and 'raise'"):
        load_abide(sites=["OHSU"], zero_rois="ignore")


def test_fetch_abide_pcp_tree_several_folders_and_duplicates(tmp_path):
    ohsu = load_abide(sites=["OHSU"])
    first = _fetch_tree(tmp_path / "a", ohsu.subjects[:3])
    second = _fetch_tree(tmp_path / "b", ohsu.subjects[3:5])
    data = load_abide([tmp_path / "a", second])  # data_dir above ABIDE_pcp, or the tree
    assert data.subjects.tolist() == sorted(ohsu.subjects[:3]) + sorted(ohsu.subjects[3:5])
    for s, ts in zip(data.subjects, data.timeseries):
        np.testing.assert_array_equal(ts, ohsu.timeseries[list(ohsu.subjects).index(s)])
    np.testing.assert_array_equal(data.tr, SITE_TR["OHSU"])  # no manifest: per-site table
    with pytest.raises(ValueError, match="appear in more than one folder"):
        load_abide([first, tmp_path / "a"])
    with pytest.raises(ValueError, match="empty list"):
        load_abide([])


def test_neuropipe_data_is_honoured_and_never_silently_ignored(tmp_path, monkeypatch):
    monkeypatch.setenv("NEUROPIPE_DATA", str(tmp_path))
    with pytest.raises(FileNotFoundError, match="Looked in: .*abide-pcp-cc200' \\(NEUROPIPE_DATA"):
        load_abide()
    ohsu = load_abide(path=DEFAULT_PATH, sites=["OHSU"])
    tree = _fetch_tree(tmp_path / "fetch", ohsu.subjects[:4])
    tree.rename(tmp_path / "abide-pcp-cc200")
    assert abide_path() == tmp_path / "abide-pcp-cc200"
    data = load_abide()
    assert sorted(data.subjects) == sorted(ohsu.subjects[:4])
    monkeypatch.delenv("NEUROPIPE_DATA")
    assert abide_path() == DEFAULT_PATH


@pytest.mark.slow
@pytest.mark.skipif(not MORE.is_dir(), reason="needs shared/data/abide-pcp-cc200-more")
def test_802_subjects_17_sites():
    with warnings.catch_warnings(record=True) as rec:
        warnings.simplefilter("always")
        data = load_abide([DEFAULT_PATH, MORE])
    assert len(data.y) == 802 and int(data.y.sum()) == 377
    assert len(set(data.site)) == 17
    counts = pd.Series(data.site).value_counts()
    assert counts["UCLA_1"] == 72 and counts["YALE"] == 56 and counts["CALTECH"] == 37
    zero = [s for s, z in zip(data.subjects, data.zero_rois) if z.size]
    assert len(zero) == 45 and ZERO_NYU <= set(zero)  # 43 in the 14 new sites + 2 NYU
    assert sum(len(z) for z in data.zero_rois) == 428
    (message,) = [str(w.message) for w in rec if "zero at every time point" in str(w.message)]
    assert "45 subject(s)" in message and "Caltech_0051478 (118)" in message
    assert int(np.isnan(data.X["func_mean_fd"]).sum()) == 1
    for s in set(data.site):
        np.testing.assert_array_equal(data.tr[data.site == s], SITE_TR[s])


def test_site_group_kfold_keeps_sites_whole_and_names_bad_input():
    X = pd.DataFrame(
        {"SITE_ID": np.repeat(["A", "B", "C", "D", "E", "F", "G"], [5, 1, 2, 3, 4, 2, 3])}
    )
    cv = SiteGroupKFold(5)
    folds = list(cv.split(X, np.zeros(len(X))))
    assert len(folds) == cv.get_n_splits(X) == 5
    seen = np.concatenate([test for _, test in folds])
    np.testing.assert_array_equal(np.sort(seen), np.arange(len(X)))  # each subject once
    for train, test in folds:
        assert not set(X["SITE_ID"].iloc[train]) & set(X["SITE_ID"].iloc[test])
    assert SiteGroupKFold(5).get_n_splits(X.iloc[:8]) == 3  # 3 sites: 3 folds
    with pytest.raises(ValueError, match="no such column"):
        list(cv.split(np.zeros((4, 2))))
    with pytest.raises(ValueError, match="at least 2 sites"):
        list(cv.split(X.iloc[:5]))
