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
