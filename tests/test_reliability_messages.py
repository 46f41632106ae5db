"""Raw library messages wrapped in neuropipe's one-line style (issue 28, item 7)."""

import numpy as np
import pytest

from neuropipe import cli
from neuropipe.decoders import (
    DiscriminativeKalmanFilter,
    KalmanFilterRegressor,
    NadarayaWatsonRegressor,
    SubsampledRegressor,
)


@pytest.mark.parametrize("seed", ["-1", "4294967296", "x", "1.5"])
def test_bad_random_state_is_refused_by_the_parser(seed, tmp_path, capsys):
    argv = ["benchmark", "--random-state", seed, "--output", str(tmp_path / "o")]
    assert cli.main(argv) == 2
    lines = capsys.readouterr().err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("neuropipe: error: ")
    assert "--random-state" in lines[0] and "from 0 to 4294967295" in lines[0]
    assert not (tmp_path / "o").exists()  # refused before any work


DECODERS = [
    KalmanFilterRegressor,
    lambda: DiscriminativeKalmanFilter(random_state=0),
    NadarayaWatsonRegressor,
    lambda: SubsampledRegressor(KalmanFilterRegressor()),
]


@pytest.mark.parametrize("make", DECODERS)
def test_decoders_on_text_targets(make):
    rng = np.random.default_rng(0)
    X = rng.standard_normal((80, 3))
    y = np.cumsum(rng.standard_normal(80))
    # words: our message, not numpy's TypeError
    with pytest.raises(ValueError, match="y must be a numeric array, got dtype <U"):
        make().fit(X, np.where(y > 0, "up", "down"))
    # numbers written as text: the same model as the numbers
    as_text = make().fit(X, y.astype(str)).predict(X[:5])
    np.testing.assert_allclose(as_text, make().fit(X, y).predict(X[:5]), rtol=1e-6)


def test_text_in_a_numeric_covariate_is_named():
    import pandas as pd

    from neuropipe.harmonization import ComBat

    rng = np.random.default_rng(0)
    X = pd.DataFrame(rng.standard_normal((20, 3)), columns=list("abc"))
    X["SITE_ID"] = ["KKI", "NYU"] * 10
    X["AGE"] = pd.Series(np.arange(20.0), dtype=object)
    X.loc[3, "AGE"] = "twelve"
    with pytest.raises(ValueError, match=r"column 'AGE' holds text .*\('twelve' in row 3"):
        ComBat(site="SITE_ID", covariates=["AGE"]).fit_transform(X)
    X.loc[3, "AGE"] = np.nan  # a missing value is imputed, not refused
    assert ComBat(site="SITE_ID", covariates=["AGE"]).fit_transform(X).shape == (20, 3)


def test_full_disk_error_names_the_file(tmp_path, monkeypatch, capsys):
    import errno
    import os

    import pandas as pd

    from neuropipe.benchmark.results import write_csv_atomic

    real_fdopen = os.fdopen

    def full(fd, *args, **kwargs):
        real_fdopen(fd).close()
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(os, "fdopen", full)
    target = tmp_path / "results.csv"
    with pytest.raises(OSError, match="No space left on device") as info:
        write_csv_atomic(pd.DataFrame({"a": [1]}), target)
    assert info.value.filename == str(target) and str(target) in str(info.value)
    assert list(tmp_path.iterdir()) == []  # no temporary file left
    assert cli._one_line(info.value) == (
        f"No space left on device: {str(target)!r}; check the path and the disk"
    )


def test_offline_moabb_download_is_said_in_our_words(monkeypatch):
    import moabb.paradigms
    import requests

    from neuropipe.datasets import MOABBDataset

    def offline(*args, **kwargs):
        raise requests.exceptions.ConnectionError(
            "HTTPSConnectionPool(host='physionet.org', port=443): Max retries exceeded"
        )

    dataset = MOABBDataset("PhysionetMI")
    monkeypatch.setattr(moabb.paradigms.LeftRightImagery, "get_data", offline)
    with pytest.raises(ConnectionError, match=r"moabb:PhysionetMI: subject\(s\) \[1\] are not "):
        dataset.load(subjects=[1], paradigm="LeftRightImagery")
    with pytest.raises(ConnectionError) as info:
        dataset.load(subjects=[1], paradigm="LeftRightImagery")
    assert "HTTPSConnectionPool" not in str(info.value) and "no network?" in str(info.value)
