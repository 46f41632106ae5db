"""Tests for neuropipe.io.fmri (readers, nilearn maskers) and neuropipe.datasets.abide."""

import gzip
import io
import shutil

import nibabel as nib
import numpy as np
import pandas as pd
import pytest

from neuropipe._validation import DataFileError
from neuropipe.datasets.abide import DEFAULT_PATH, load_abide
from neuropipe.io.fmri import extract_roi_timeseries, load_roi_timeseries, read_roi_timeseries

RNG = np.random.default_rng(0)
DATA = RNG.standard_normal((12, 4))


def _write(path, text):
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "wt") as f:
        f.write(text)


def _table(sep, header):
    lines = [sep.join(header)] if header else []
    lines += [sep.join(repr(float(v)) for v in row) for row in DATA]
    return "\n".join(lines) + "\n"


@pytest.mark.parametrize("gz", ["", ".gz"])
@pytest.mark.parametrize(
    "ext, sep, header, names",
    [
        (".1D", "\t", ["#1", "#2", "#3", "#4"], ["1", "2", "3", "4"]),
        (".txt", " ", None, ["roi0", "roi1", "roi2", "roi3"]),
        (".csv", ",", ["a", "b", "c", "d"], ["a", "b", "c", "d"]),
        (".tsv", "\t", ["a", "b", "c", "d"], ["a", "b", "c", "d"]),
    ],
)
def test_read_text_formats(tmp_path, ext, sep, header, names, gz):
    path = tmp_path / f"sub{ext}{gz}"
    _write(path, _table(sep, header))
    ts, got_names = read_roi_timeseries(path, return_names=True)
    np.testing.assert_array_equal(ts, DATA)
    assert got_names == names


@pytest.mark.parametrize("gz", [False, True])
def test_read_npy(tmp_path, gz):
    path = tmp_path / "sub.npy"
    np.save(path, DATA)
    if gz:
        with open(path, "rb") as src, gzip.open(tmp_path / "sub.npy.gz", "wb") as dst:
            shutil.copyfileobj(src, dst)
        path = tmp_path / "sub.npy.gz"
    np.testing.assert_array_equal(read_roi_timeseries(path), DATA)


def test_read_pcp_file_matches_numpy_loadtxt():
    path = DEFAULT_PATH / "rois_cc200" / "OHSU_0050142_rois_cc200.1D.gz"
    ts, names = read_roi_timeseries(path, return_names=True)
    np.testing.assert_array_equal(ts, np.loadtxt(path, skiprows=1))
    assert ts.shape == (78, 200) and names[:3] == ["1", "2", "3"] and names[-1] == "200"


def test_reader_errors(tmp_path):
    with pytest.raises(FileNotFoundError, match="not found"):
        read_roi_timeseries(tmp_path / "missing.csv")
    (tmp_path / "sub.mat").write_text("1 2")
    with pytest.raises(ValueError, match=r"unknown ROI time-series format '.mat'.*\.1D, \.csv"):
        read_roi_timeseries(tmp_path / "sub.mat")
    (tmp_path / "bad.csv").write_text("a,b\n1,2\n3\n")
    with pytest.raises(DataFileError, match=r"bad.csv', line 3: 1 values, but the rows above"):
        read_roi_timeseries(tmp_path / "bad.csv")
    with pytest.raises(ValueError, match="'header' must be 'auto', True or False"):
        read_roi_timeseries(tmp_path / "bad.csv", header="yes")


# --- the first line: header or data, decided explicitly (issue 16) ------------------------


@pytest.mark.parametrize(("ext", "sep"), [(".csv", ","), (".tsv", "\t"), (".1D", " ")])
@pytest.mark.parametrize("missing", ["NA", "NaN", "n/a", "null"])
def test_missing_values_in_the_first_row_are_data(tmp_path, ext, sep, missing):
    rows = [[missing, "1.5", "2.5"], ["0.5", missing, "3.5"], ["1.0", "2.0", "3.0"]]
    _write(tmp_path / f"s{ext}", "\n".join(sep.join(r) for r in rows) + "\n")
    ts = read_roi_timeseries(tmp_path / f"s{ext}")
    assert ts.shape == (3, 3)  # the first time point is kept, not taken for a header
    np.testing.assert_array_equal(np.isnan(ts), [[1, 0, 0], [0, 1, 0], [0, 0, 0]])
    np.testing.assert_array_equal(ts[2], [1.0, 2.0, 3.0])


def test_empty_csv_field_is_a_missing_value(tmp_path):
    (tmp_path / "s.csv").write_text("0.5,,1.5\n1,2,3\n")
    np.testing.assert_array_equal(read_roi_timeseries(tmp_path / "s.csv")[0], [0.5, np.nan, 1.5])


@pytest.mark.parametrize("header", [True, False])
def test_byte_order_mark_is_ignored(tmp_path, header):
    text = ("amygdala,insula\n" if header else "") + "0.5,1.0\n-0.5,2.0\n"
    (tmp_path / "s.csv").write_bytes(b"\xef\xbb\xbf" + text.encode())
    ts, names = read_roi_timeseries(tmp_path / "s.csv", return_names=True)
    np.testing.assert_array_equal(ts, [[0.5, 1.0], [-0.5, 2.0]])
    assert names == (["amygdala", "insula"] if header else ["roi0", "roi1"])


def test_ambiguous_first_line_is_refused(tmp_path):
    # a time point with a typo (letter O for zero) is neither clearly data nor names
    (tmp_path / "typo.csv").write_text("0.5,1.O\n0.7,1.2\n0.1,0.2\n")
    with pytest.raises(DataFileError, match=r"Cannot tell whether the first line .*\['1.O'\]"):
        read_roi_timeseries(tmp_path / "typo.csv")
    with pytest.raises(DataFileError, match=r"typo.csv', line 1: '1.O' is not a number"):
        read_roi_timeseries(tmp_path / "typo.csv", header=False)
    # a header with one numeric name: say so
    (tmp_path / "h.csv").write_text("amygdala,2\n0.7,1.2\n")
    with pytest.raises(DataFileError, match="Pass header=True if the line holds ROI names"):
        read_roi_timeseries(tmp_path / "h.csv")
    ts, names = read_roi_timeseries(tmp_path / "h.csv", header=True, return_names=True)
    assert names == ["amygdala", "2"] and ts.shape == (1, 2)


def test_header_typo_and_explicit_choice(tmp_path):
    (tmp_path / "s.csv").write_text("amygdala,1nsula\n0.5,1.0\n")
    ts, names = read_roi_timeseries(tmp_path / "s.csv", return_names=True)
    assert names == ["amygdala", "1nsula"] and ts.shape == (1, 2)
    (tmp_path / "n.csv").write_text("1,2\n0.5,1.0\n")  # numeric names without '#'
    assert read_roi_timeseries(tmp_path / "n.csv").shape == (2, 2)  # read as data
    ts, names = read_roi_timeseries(tmp_path / "n.csv", header=True, return_names=True)
    assert names == ["1", "2"] and ts.shape == (1, 2)
    (tmp_path / "w.csv").write_text("a,b,c\n0.5,1.0\n")
    with pytest.raises(DataFileError, match="header .* holds 3 names but the rows hold 2"):
        read_roi_timeseries(tmp_path / "w.csv")


def test_comment_first_line_is_not_taken_for_names(tmp_path):
    (tmp_path / "s.1D").write_text("# ROI means written by 3dROIstats\n0.5 1.0 2.0\n1.5 2.0 3.0\n")
    ts, names = read_roi_timeseries(tmp_path / "s.1D", return_names=True)
    assert ts.shape == (2, 3) and names == ["roi0", "roi1", "roi2"]


def _npy_bytes(arr):
    buffer = io.BytesIO()
    np.save(buffer, arr, allow_pickle=True)
    return buffer.getvalue()


@pytest.mark.parametrize(
    "name, content, match",
    [
        ("s.npy", b"0.1\n", r"s.npy' is not a NumPy .npy file \(it does not start with"),
        ("s.npy", _npy_bytes(DATA)[:100], r"Could not read .*s.npy' as a NumPy .npy file"),
        ("s.npy", _npy_bytes(np.array([{}], dtype=object)), r"s.npy' as a NumPy .*objects"),
        ("s.npy", _npy_bytes(np.array(["a", "b"])), r"s.npy' holds an array of dtype <U1"),
        ("s.npy", _npy_bytes(DATA + 1j), r"s.npy' holds an array of dtype complex128"),
        ("s.npy", _npy_bytes(np.zeros((0, 4))), r"s.npy' holds an empty array of shape \(0, 4\)"),
        ("s.csv.gz", b"0.1,0.2\n", r"Could not decompress .*s.csv.gz': BadGzipFile"),
        ("s.csv.gz", gzip.compress(b"0.1,0.2\n" * 50)[:30], r"decompress .*s.csv.gz': EOFError"),
        ("s.csv", bytes(range(128, 256)), r"s.csv' is not a text table \(it is binary"),
        ("s.csv", b"", r"s.csv' holds no time points"),
    ],
)
def test_corrupt_files_give_data_file_error(tmp_path, name, content, match):
    """F16: numpy / gzip / decoding errors become a DataFileError naming the file."""
    (tmp_path / name).write_bytes(content)
    with pytest.raises(DataFileError, match=match):
        read_roi_timeseries(tmp_path / name)


def test_directory_gives_data_file_error(tmp_path):
    (tmp_path / "sub.csv").mkdir()
    with pytest.raises(DataFileError, match=r"sub.csv' is a directory"):
        read_roi_timeseries(tmp_path / "sub.csv")


def test_load_roi_timeseries_checks_across_files(tmp_path):
    for name, arr in {"a": DATA, "b": DATA[:, :3], "c": DATA[:1], "d": DATA.copy()}.items():
        np.save(tmp_path / f"{name}.npy", arr)
    bad = DATA.copy()
    bad[3, 1] = np.nan
    np.save(tmp_path / "nan.npy", bad)
    assert len(load_roi_timeseries([tmp_path / "a.npy", tmp_path / "d.npy"])) == 2
    with pytest.raises(ValueError, match="b.npy' has 3 ROIs but .*a.npy' has 4"):
        load_roi_timeseries([tmp_path / "a.npy", tmp_path / "b.npy"])
    with pytest.raises(ValueError, match="c.npy' has 1 time point"):
        load_roi_timeseries([tmp_path / "c.npy"])
    with pytest.raises(ValueError, match=r"nan.npy' contains NaN .* column\(s\) \[1\]"):
        load_roi_timeseries([tmp_path / "nan.npy"])
    assert np.isnan(load_roi_timeseries([tmp_path / "nan.npy"], allow_nan=True)[0][3, 1])


def test_labels_masker_round_trip_on_real_series():
    """Paint two real subjects' CC200 series into the CC200 atlas; the masker gives them back."""
    atlas = nib.load(DEFAULT_PATH / "CC200.nii.gz")
    labels = np.asarray(atlas.dataobj)
    series = [
        read_roi_timeseries(DEFAULT_PATH / "rois_cc200" / f"{fid}_rois_cc200.1D.gz")[:20]
        for fid in ["OHSU_0050142", "KKI_0050772"]
    ]
    imgs = []
    for ts in series:
        data = np.zeros(labels.shape + (ts.shape[0],), dtype=np.float32)
        data[labels > 0] = ts[:, labels[labels > 0] - 1].T
        imgs.append(nib.Nifti1Image(data, atlas.affine))
    out = extract_roi_timeseries(imgs, atlas)
    for got, ts in zip(out, series):
        np.testing.assert_allclose(got, ts, rtol=1e-5, atol=1e-4)
    z = extract_roi_timeseries(imgs[0], atlas, standardize="zscore_sample")
    np.testing.assert_allclose(z.std(axis=0, ddof=1), 1.0, rtol=1e-6)


def test_confounds_are_regressed_out():
    labels = np.zeros((4, 4, 4), dtype=np.int16)
    labels[:2], labels[2:] = 1, 2
    rng = np.random.default_rng(1)
    signal = rng.standard_normal((30, 2))
    confound = rng.standard_normal((30, 1))
    mixed = signal + 3 * confound
    data = np.where(labels[..., None] == 1, mixed[:, 0], mixed[:, 1]).astype(np.float64)
    img = nib.Nifti1Image(data, np.eye(4))
    got = extract_roi_timeseries(img, nib.Nifti1Image(labels, np.eye(4)), confounds=confound)
    design = np.column_stack([np.ones(30), confound])
    residual = mixed - design @ np.linalg.lstsq(design, mixed, rcond=None)[0]
    # nilearn regresses out the centred confounds and, without standardize/detrend, keeps
    # each signal's mean
    np.testing.assert_allclose(got, residual + mixed.mean(axis=0), atol=1e-8)


def test_maps_and_spheres_maskers():
    affine = np.eye(4)
    maps = np.zeros((6, 6, 6, 2))
    maps[:3, ..., 0] = 1
    maps[3:, ..., 1] = 1
    rng = np.random.default_rng(2)
    ts = rng.standard_normal((15, 2))
    data = np.where(maps[..., 0:1] > 0, ts[:, 0], ts[:, 1])
    img = nib.Nifti1Image(data, affine)
    got = extract_roi_timeseries(img, nib.Nifti1Image(maps, affine))
    np.testing.assert_allclose(got, ts, atol=1e-8)
    got = extract_roi_timeseries(img, [(1.0, 2.0, 2.0), (4.0, 2.0, 2.0)], radius=0.5)
    np.testing.assert_allclose(got, ts, atol=1e-8)
    with pytest.raises(ValueError, match="seed coordinates of shape \\(n_rois, 3\\)"):
        extract_roi_timeseries(img, [1.0, 2.0])
    with pytest.raises(ValueError, match="pass t_r"):
        extract_roi_timeseries(img, nib.Nifti1Image(maps, affine), low_pass=0.1)
    with pytest.raises(ValueError, match="one confounds table per image"):
        extract_roi_timeseries([img, img], nib.Nifti1Image(maps, affine), confounds=[None])


@pytest.mark.slow
def test_load_abide_bundled_subset():
    data = load_abide(verify=True)
    assert len(data.timeseries) == len(data.y) == len(data.X) == 249
    assert int(data.y.sum()) == 107
    assert dict(zip(*np.unique(data.site, return_counts=True))) == {
        "KKI": 48,
        "NYU": 175,
        "OHSU": 26,
    }
    np.testing.assert_array_equal(data.y, (data.phenotypes["DX_GROUP"] == 1).astype(int))
    assert list(data.X.index) == list(data.phenotypes.index) == list(data.subjects)
    assert list(data.X.columns) == ["timeseries", "AGE_AT_SCAN", "SEX", "func_mean_fd", "SITE_ID"]
    assert {ts.shape[1] for ts in data.timeseries} == {200}
    manifest = pd.read_csv(DEFAULT_PATH / "manifest.csv").set_index("FILE_ID")
    n_const = [int(np.sum(np.ptp(ts, axis=0) == 0)) for ts in data.timeseries]
    np.testing.assert_array_equal(n_const, manifest.loc[data.subjects, "n_zero_rois"])
    np.testing.assert_array_equal(
        [ts.shape[0] for ts in data.timeseries], manifest.loc[data.subjects, "n_timepoints"]
    )
    assert data.atlas.name == "CC200.nii.gz" and "abide-pcp-cc200" in data.description


def test_load_abide_sites_and_user_folder(tmp_path):
    ohsu = load_abide(sites="OHSU")
    assert len(ohsu.y) == 26 and set(ohsu.site) == {"OHSU"}
    with pytest.raises(ValueError, match=r"Unknown site\(s\) \['MIT'\]"):
        load_abide(sites=["MIT"])
    # a nilearn-style download: loose .1D files and the phenotype table, no manifest
    sub = tmp_path / "ABIDE_pcp" / "cpac" / "filt_global"
    sub.mkdir(parents=True)
    for fid in ohsu.subjects[:3]:
        with gzip.open(DEFAULT_PATH / "rois_cc200" / f"{fid}_rois_cc200.1D.gz", "rb") as src:
            (sub / f"{fid}_rois_cc200.1D").write_bytes(src.read())
    shutil.copy(DEFAULT_PATH / "Phenotypic_V1_0b_preprocessed1.csv", tmp_path / "ABIDE_pcp")
    mine = load_abide(sub)
    assert sorted(mine.subjects) == sorted(ohsu.subjects[:3])
    i = list(ohsu.subjects).index(mine.subjects[0])
    np.testing.assert_array_equal(mine.timeseries[0], ohsu.timeseries[i])
    assert mine.y[0] == ohsu.y[i] and mine.tr[0] == ohsu.tr[i] and mine.atlas is None
    with pytest.raises(FileNotFoundError, match="ABIDE data folder not found"):
        load_abide(tmp_path / "nowhere")
    (tmp_path / "empty").mkdir()
    with pytest.raises(FileNotFoundError, match="No ABIDE ROI time series found"):
        load_abide(tmp_path / "empty")
