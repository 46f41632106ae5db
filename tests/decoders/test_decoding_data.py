"""Decoding readers, bundled datasets, time-ordered split, evaluation and pipeline files."""

import hashlib
import shutil
from pathlib import Path

import numpy as np
import pytest
from scipy.io import savemat
from sklearn.linear_model import Ridge

from neuropipe.datasets.decoding import load_flint2012, load_stevenson2011
from neuropipe.datasets.eeg import bundled_path
from neuropipe.evaluation.decoding import TimeOrderedSplit, evaluate_decoding
from neuropipe.evaluation.pipelines import load_pipeline_file
from neuropipe.io.decoding import check_decoding_arrays, read_decoding_csv, read_decoding_mat

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
    with pytest.raises(OSError, match="does not match its checksum"):
        load_flint2012(tmp_path)
    with pytest.raises(ValueError, match="different numbers of bins: 7792 and 7793"):
        load_flint2012(tmp_path, verify=False)


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
    with pytest.raises(KeyError, match=r"'handVel' not found .* \['spk', 'vel'\]"):
        read_decoding_mat(tmp_path / "d.mat", features="spk")
    with pytest.raises(ValueError, match="different numbers of bins"):
        read_decoding_mat(tmp_path / "d.mat", features="spk", states="vel", time_axis=0)
    with pytest.raises(ValueError, match="Features contain 1 NaN"):
        check_decoding_arrays(np.r_[X[:-1], [[np.nan, 0, 0, 0]]], y)


def test_time_ordered_split():
    X = np.zeros((100, 1))
    train, test = next(TimeOrderedSplit(0.7, 0.15, gap=0.15).split(X))
    np.testing.assert_array_equal(train, np.arange(70))
    np.testing.assert_array_equal(test, np.arange(85, 100))
    train, test = next(TimeOrderedSplit(50, 10).split(X))
    assert train[-1] == 49 and test.tolist() == list(range(50, 60))
    with pytest.raises(ValueError, match="Cannot take 80 train, 0 gap and 30 test bins"):
        next(TimeOrderedSplit(80, 30).split(X))


def test_evaluate_decoding_on_flint2012():
    pipelines = {"ridge": Ridge(alpha=1.0)}
    res = evaluate_decoding("flint2012", pipelines)
    assert res.columns.tolist() == [
        "dataset",
        "subject",
        "session",
        "pipeline",
        "evaluation",
        "state",
        "score",
        "nrmse",
        "maae",
        "time",
        "samples",
    ]
    assert res["state"].tolist() == ["all", "vx", "vy"]
    assert set(res["evaluation"]) == {"TimeOrderedSplit"} and set(res["samples"]) == {5000}
    data = load_flint2012()
    pred = Ridge(alpha=1.0).fit(data.X[:5000], data.y[:5000]).predict(data.X[5000:6000])
    truth = data.y[5000:6000]
    ss_res = ((truth - pred) ** 2).sum(0)
    r2 = 1 - ss_res / ((truth - truth.mean(0)) ** 2).sum(0)
    np.testing.assert_allclose(res["score"], [r2.mean(), r2[0], r2[1]])
    assert res["maae"].iloc[1:].isna().all()
    with pytest.raises(ValueError, match="'dataset_name' parameter"):
        evaluate_decoding("flint", pipelines)


def test_pipeline_files():
    names = set()
    for path in sorted(PIPELINES.glob("*.py")):
        (config,) = load_pipeline_file(path)
        assert config["paradigms"] == ["decoding"]
        names.add(config["name"])
    assert names == {"KF", "DKF-NW", "Wiener"}


@pytest.mark.slow
def test_default_pipelines_on_stevenson2011():
    """The benchmark's three pipelines: filtering helps, DKF-NW beats the Kalman filter."""
    configs = [load_pipeline_file(p)[0] for p in sorted(PIPELINES.glob("*.py"))]
    res = evaluate_decoding("stevenson2011", {c["name"]: c["pipeline"] for c in configs})
    overall = res[res["state"] == "all"].set_index("pipeline")
    assert overall.loc["DKF-NW", "nrmse"] < 0.8 * overall.loc["KF", "nrmse"]
    assert overall.loc["DKF-NW", "maae"] < overall.loc["Wiener", "maae"]
