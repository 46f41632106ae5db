"""Decoding readers, bundled datasets, time-ordered split, evaluation and pipeline files."""

import hashlib
import shutil
import struct
import warnings
from pathlib import Path

import numpy as np
import pytest
import scipy.io
from scipy.io import savemat
from sklearn.linear_model import Ridge

from neuropipe._validation import DataFileError
from neuropipe.benchmark.pipeline_files import load_pipeline_file
from neuropipe.datasets.decoding import load_flint2012, load_stevenson2011
from neuropipe.datasets.eeg import bundled_path
from neuropipe.evaluation.decoding import evaluate_time_ordered
from neuropipe.io._mat5 import check_mat5
from neuropipe.io.decoding import check_decoding_arrays, read_decoding_csv, read_decoding_mat
from neuropipe.model_selection import TimeOrderedSplit

PIPELINES = Path(__file__).resolve().parents[2] / "pipelines" / "decoding"
FLINT2012_DIR = bundled_path("flint2012")
STEVENSON2011_DIR = bundled_path("stevenson2011")


def test_bundled_files_match_published_checksums():
    """The sha256 sums quoted in each PROVENANCE.md."""
    expected = {
        FLINT2012_DIR / "x.csv": "9bd0d05589750cbfdaaacb0f848b4ed73ff42e2cf1aa17671e49a22d9ce5006d",
        FLINT2012_DIR / "z.csv": "dc93cd54f4188b731e4323307505a2004fcf7347c67561624af04f3a1ce4518f",
        STEVENSON2011_DIR
        / "m1_stevenson_2011.mat": "cb1af830e34f5094e5c542ad4adfaca66dea05514680940016173b35fa6aad94",
    }
    for path, digest in expected.items():
        assert hashlib.sha256(path.read_bytes()).hexdigest() == digest
        assert digest in (path.parent / "PROVENANCE.md").read_text()


def test_load_flint2012():
    data = load_flint2012()
    assert data.X.shape == (7792, 10) and data.y.shape == (7792, 2)
    assert data.y.std() == pytest.approx(0.056, abs=0.005)  # PROVENANCE: std about 0.056
    np.testing.assert_allclose(data.X[0, :3], [2.7462, 0.8413, -0.1981])  # first line of x.csv
    assert "Flint" in data.description


def test_load_stevenson2011():
    data = load_stevenson2011()
    assert data.X.shape == (15536, 171) and data.y.shape == (15536, 2)
    assert np.all(data.X == np.round(data.X)) and data.X.min() == 0
    assert int(np.sum(data.X.sum(axis=0) < 100)) == 18  # PROVENANCE: 18 units < 100 spikes


def test_loader_errors(tmp_path):
    with pytest.raises(FileNotFoundError, match=r"lacks \['x.csv', 'z.csv'\]"):
        load_flint2012(tmp_path)
    for name in ("x.csv", "z.csv", "SHA256SUMS.txt"):
        shutil.copy(FLINT2012_DIR / name, tmp_path / name)
    with open(tmp_path / "z.csv", "a") as f:
        f.write("0.1,0.2\n")
    with pytest.raises(DataFileError, match="z.csv' does not match its checksum"):
        load_flint2012(tmp_path)
    with pytest.raises(ValueError, match="different numbers of bins: 7792 and 7793"):
        load_flint2012(tmp_path, verify=False)


@pytest.mark.parametrize(
    "line, error, match",
    [
        ("0" * 64 + "  x.csv", DataFileError, r"x.csv' does not match its checksum"),
        ("0" * 64, DataFileError, r"Line 2 of .*SHA256SUMS.txt' is not '<sha256"),
        ("abc  x.csv", DataFileError, r"Line 2 of .*SHA256SUMS.txt' is not '<sha256"),
        ("0" * 64 + "  y.csv", FileNotFoundError, r"y.csv', listed in .*SHA256SUMS.txt', is"),
    ],
)
def test_checksum_file_errors(tmp_path, line, error, match):
    """F13: a malformed SHA256SUMS.txt line or a mismatch gives a DataFileError."""
    for name in ("x.csv", "z.csv"):
        (tmp_path / name).write_text("1\n")
    digest = hashlib.sha256(b"1\n").hexdigest()
    (tmp_path / "SHA256SUMS.txt").write_text(f"{digest}  z.csv\n{line}\n")
    with pytest.raises(error, match=match):
        load_flint2012(tmp_path)
    assert load_flint2012(tmp_path, verify=False).X.tolist() == [[1.0]]


def test_readers(tmp_path):
    rng = np.random.default_rng(0)
    X, y = rng.poisson(3, (50, 4)).astype(float), rng.standard_normal((50, 3))
    np.savetxt(tmp_path / "x.txt", X, delimiter=";")
    np.savetxt(tmp_path / "y.txt", y[:, 0], delimiter=";")
    X_read, y_read = read_decoding_csv(tmp_path / "x.txt", tmp_path / "y.txt", delimiter=";")
    np.testing.assert_allclose(X_read, X)
    np.testing.assert_allclose(y_read, y[:, :1])
    savemat(tmp_path / "d.mat", {"spk": X.T, "vel": y.T})
    X_read, y_read = read_decoding_mat(
        tmp_path / "d.mat", features="spk", states="vel", state_rows=[0, 2]
    )
    np.testing.assert_allclose(X_read, X)
    np.testing.assert_allclose(y_read, y[:, [0, 2]])
    with pytest.raises(DataFileError, match=r"'handVel' not found .* \['spk', 'vel'\]"):
        read_decoding_mat(tmp_path / "d.mat", features="spk")
    with pytest.raises(ValueError, match="different numbers of bins"):
        read_decoding_mat(tmp_path / "d.mat", features="spk", states="vel", time_axis=0)
    with pytest.raises(ValueError, match="Features contain 1 NaN"):
        check_decoding_arrays(np.r_[X[:-1], [[np.nan, 0, 0, 0]]], y)


@pytest.mark.parametrize(
    "content, match",
    [
        (b"abc\n", r"Could not parse .*z.csv' as a numeric table.*could not convert string"),
        (b"1,2\n3\n", r"Could not parse .*z.csv' as a numeric table.*columns"),
        (bytes(range(128, 256)), r"Could not parse .*z.csv' as a numeric table.*decode"),
        (b"", r"z.csv' holds no numbers: it is empty"),
    ],
)
def test_read_decoding_csv_corrupt_table(tmp_path, content, match):
    """F11: np.loadtxt's errors become a DataFileError naming the file."""
    (tmp_path / "x.csv").write_text("1,2\n")
    (tmp_path / "z.csv").write_bytes(content)
    with pytest.raises(DataFileError, match=match):
        read_decoding_csv(tmp_path / "x.csv", tmp_path / "z.csv")


def test_read_decoding_csv_missing_file_or_folder(tmp_path):
    (tmp_path / "x.csv").write_text("1,2\n")
    (tmp_path / "z.csv").mkdir()
    with pytest.raises(DataFileError, match=r"z.csv' is a directory, not a text table file"):
        read_decoding_csv(tmp_path / "x.csv", tmp_path / "z.csv")
    with pytest.raises(FileNotFoundError, match=r"text table file not found: .*y.csv'"):
        read_decoding_csv(tmp_path / "x.csv", tmp_path / "y.csv")


@pytest.mark.parametrize(
    "damage, match",
    [
        ("truncate", r"Could not read .*m.mat' as a MATLAB .*truncated"),
        ("header", r"Could not read .*m.mat' as a MATLAB"),
        ("empty", r"Could not read .*m.mat' as a MATLAB"),
    ],
)
def test_read_decoding_mat_corrupt_file(tmp_path, damage, match):
    """F12: scipy's MatReadError / OSError / ValueError become a DataFileError."""
    savemat(tmp_path / "m.mat", {"spikes": np.ones((2, 5)), "handVel": np.ones((2, 5))})
    content = (tmp_path / "m.mat").read_bytes()
    content = {"truncate": content[:150], "header": b"MATLAB 5.0", "empty": b""}[damage]
    (tmp_path / "m.mat").write_bytes(content)
    with pytest.raises(DataFileError, match=match):
        read_decoding_mat(tmp_path / "m.mat")


def test_read_decoding_mat_bad_request(tmp_path):
    """F12: a missing file, a folder, state_rows or time_axis out of range, text variables."""
    with pytest.raises(FileNotFoundError, match=r"MATLAB file not found: .*nope.mat'"):
        read_decoding_mat(tmp_path / "nope.mat")
    (tmp_path / "dir.mat").mkdir()
    with pytest.raises(DataFileError, match=r"dir.mat' is a directory"):
        read_decoding_mat(tmp_path / "dir.mat")
    savemat(tmp_path / "m.mat", {"spikes": np.ones((2, 5)), "handVel": np.ones((3, 5)), "s": "ab"})
    with pytest.raises(DataFileError, match=r"state_rows=\[5\] does not fit .* 3 row\(s\)"):
        read_decoding_mat(tmp_path / "m.mat", state_rows=[5])
    with pytest.raises(DataFileError, match=r"state_rows=\[\] does not fit"):
        read_decoding_mat(tmp_path / "m.mat", state_rows=[])
    with pytest.raises(DataFileError, match=r"time_axis=2 does not exist in variable 'spikes'"):
        read_decoding_mat(tmp_path / "m.mat", time_axis=2)
    with pytest.raises(ValueError, match=r"Variable 's' of .*m.mat' must be real numbers"):
        read_decoding_mat(tmp_path / "m.mat", states="s")
    X, y = read_decoding_mat(tmp_path / "m.mat", state_rows=[2, 0])
    assert X.shape == (5, 2) and y.shape == (5, 2)


def _mat_with_handvel_uint32(tmp_path, handvel, offset, value):
    """Save spikes and handVel, then overwrite the uint32 ``offset`` bytes from "handVel"."""
    savemat(tmp_path / "m.mat", {"spikes": np.ones((2, 5)), "handVel": handvel})
    content = bytearray((tmp_path / "m.mat").read_bytes())
    position = content.index(b"handVel") + offset
    content[position : position + 4] = struct.pack("<I", value)
    (tmp_path / "m.mat").write_bytes(bytes(content))
    return tmp_path / "m.mat"


def test_read_decoding_mat_bad_type_code_does_not_crash(tmp_path):
    """F12: scipy's loadmat segfaults on a data element with an unknown type code."""
    path = _mat_with_handvel_uint32(tmp_path, np.ones((2, 5)), 8, 234)  # the data's tag
    match = r"m.mat' as a MATLAB .*'handVel' has data elements of type codes \[234\]"
    with pytest.raises(DataFileError, match=match):
        read_decoding_mat(path)


def test_read_decoding_mat_char_without_dims_does_not_crash(tmp_path):
    """F12: scipy's loadmat segfaults on a char array whose dims element is empty."""
    path = _mat_with_handvel_uint32(tmp_path, "ab", -20, 1)  # dims tag: 1 byte, no dims
    with pytest.raises(DataFileError, match=r"'handVel' has fewer than 2 dimensions"):
        read_decoding_mat(path)


def test_mat5_check_accepts_scipy_test_files():
    """check_mat5 passes every MAT v5 file of scipy's test suite that loadmat reads."""
    folder = Path(scipy.io.matlab.__file__).parent / "tests" / "data"
    files = sorted(folder.glob("*.mat"))
    if not files:
        pytest.skip("scipy was installed without its test data")
    checked = 0
    for path in files:
        content = path.read_bytes()
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                names = {k for k in scipy.io.loadmat(path) if not k.startswith("__")}
        except Exception:  # files scipy refuses (corrupt on purpose, HDF5)
            continue
        found = check_mat5(content, names)
        checked += found is not None
        assert found is None or names <= set(found), path.name
    assert checked > 50


def test_load_pipeline_file_errors(tmp_path):
    """F14: YAML syntax errors and exceptions of a .py file become a DataFileError."""
    cases = {
        "bad.yml": ("a: b: c", r"bad.yml': could not load the pipeline file: ScannerError"),
        "syntax.py": ("PIPELINE = {", r"syntax.py': could not load .*: SyntaxError"),
        "name.py": ("PIPELINE = LDA()", r"name.py': could not load .*: NameError: name 'LDA'"),
    }
    for name, (text, match) in cases.items():
        (tmp_path / name).write_text(text)
        with pytest.raises(DataFileError, match=match):
            load_pipeline_file(tmp_path / name)
    with pytest.raises(DataFileError, match=r"is a directory, not a pipeline file"):
        load_pipeline_file(tmp_path)
    with pytest.raises(FileNotFoundError, match=r"Pipeline file not found: .*nope.py'"):
        load_pipeline_file(tmp_path / "nope.py")


def test_time_ordered_split():
    X = np.zeros((100, 1))
    train, test = next(TimeOrderedSplit(0.7, 0.15, gap=0.15).split(X))
    np.testing.assert_array_equal(train, np.arange(70))
    np.testing.assert_array_equal(test, np.arange(85, 100))
    train, test = next(TimeOrderedSplit(50, 10).split(X))
    assert train[-1] == 49 and test.tolist() == list(range(50, 60))
    with pytest.raises(ValueError, match="Cannot take 80 train, 0 gap and 30 test bins"):
        next(TimeOrderedSplit(80, 30).split(X))


def test_evaluate_time_ordered_on_flint2012():
    pipelines = {"ridge": Ridge(alpha=1.0)}
    data = load_flint2012()
    res = evaluate_time_ordered(pipelines, data)
    assert res["state"].tolist() == ["all", "vx", "vy"]
    assert set(res["evaluation"]) == {"TimeOrderedSplit"} and set(res["samples"]) == {5000}
    pred = Ridge(alpha=1.0).fit(data.X[:5000], data.y[:5000]).predict(data.X[5000:6000])
    truth = data.y[5000:6000]
    ss_res = ((truth - pred) ** 2).sum(0)
    r2 = 1 - ss_res / ((truth - truth.mean(0)) ** 2).sum(0)
    np.testing.assert_allclose(res["score"], [r2.mean(), r2[0], r2[1]])
    assert res["maae"].iloc[1:].isna().all()


def test_pipeline_files():
    names = set()
    for path in sorted(PIPELINES.glob("*.py")):
        (config,) = load_pipeline_file(path)
        assert config["paradigms"] == ["decoding"]
        names.add(config["name"])
    assert {"KF", "DKF-NW", "Wiener", "KF-acc", "DKF-MLP"} <= names


@pytest.mark.slow
def test_default_pipelines_on_stevenson2011():
    """The fast default pipelines: filtering helps, DKF-NW beats the Kalman filter, the
    acceleration state and spike history lift the Kalman filter (DKF-MLP, the costliest
    default, is measured by benchmarks/bench_decoding.py)."""
    names = ("kalman.py", "wiener.py", "dkf_nw.py", "kalman_acc.py")
    configs = [load_pipeline_file(PIPELINES / name)[0] for name in names]
    data = load_stevenson2011()
    res = evaluate_time_ordered({c["name"]: c["pipeline"] for c in configs}, data)
    overall = res[res["state"] == "all"].set_index("pipeline")
    assert overall.loc["DKF-NW", "nrmse"] < 0.8 * overall.loc["KF", "nrmse"]
    assert overall.loc["DKF-NW", "maae"] < overall.loc["Wiener", "maae"]
    assert overall.loc["KF-acc", "score"] > overall.loc["KF", "score"] + 0.2
