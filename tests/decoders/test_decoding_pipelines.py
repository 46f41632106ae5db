"""The decoding pipeline files: tuned on training bins only (shuffled-target control), exact
online use, slow files marked."""

from pathlib import Path

import numpy as np
import pytest
from sklearn.model_selection import GridSearchCV

from neuropipe.benchmark.pipeline_files import load_pipeline_file, load_pipelines
from neuropipe.datasets.decoding import load_flint2012
from neuropipe.decoders import DiscriminativeKalmanFilter, r2
from neuropipe.model_selection import TimeOrderedSplit

FOLDER = Path(__file__).resolve().parents[2] / "pipelines" / "decoding"


def test_default_files_are_causal_and_expensive_ones_are_slow():
    default = {c["name"] for c in load_pipelines(FOLDER)}
    every = load_pipelines(FOLDER, include_slow=True)
    assert {"KF", "Wiener", "KF-acc", "DKF-NW", "DKF-MLP"} <= default
    for config in every:
        params = config["pipeline"].get_params(deep=True)
        causal = not any(k.endswith("bins_after") and v for k, v in params.items())
        assert causal or config.get("slow"), config["name"]
    assert {"DKF-HGB", "DKF-GP", "DKF-MLP (searched)"} <= {c["name"] for c in every} - default


def test_time_shuffled_targets_give_chance_on_the_test_segment():
    """A searched pipeline fitted on targets shuffled in time scores R^2 near 0 on test:
    nothing it chose (history length here) could have seen the test segment."""
    data = load_flint2012()
    train, test = next(TimeOrderedSplit(**data.protocol).split(data.X))
    pipeline = load_pipeline_file(FOLDER / "kalman_acc.py")[0]["pipeline"]
    assert isinstance(pipeline, GridSearchCV)
    real = pipeline.fit(data.X[train], data.y[train]).score(data.X[test], data.y[test])
    shuffled_y = data.y[train][np.random.default_rng(0).permutation(len(train))]
    shuffled = pipeline.fit(data.X[train], shuffled_y).score(data.X[test], data.y[test])
    assert real > 0.35
    assert -0.05 < shuffled < 0.05


@pytest.mark.slow
def test_default_dkf_files_step_exactly_as_they_predict():
    data = load_flint2012()
    for config in load_pipelines(FOLDER):
        dkf = config["pipeline"]
        if not isinstance(dkf, DiscriminativeKalmanFilter):
            continue
        dkf.fit(data.X[:3000], data.y[:3000])
        batch = dkf.predict(data.X[3000:3200])
        dkf.init_state()
        online = np.array([dkf.step(x) for x in data.X[3000:3200]])
        np.testing.assert_allclose(online, batch, rtol=1e-8, atol=1e-10, err_msg=config["name"])
        assert r2(data.y[3000:3200], batch) > 0.3, config["name"]
