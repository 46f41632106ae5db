"""BinnedStreamDecoder: continuous decoders streamed bin by bin equal their offline predict on
the bundled decoding sessions; non-causal and non-row-wise steps and wrong shapes refused."""

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from sklearn.linear_model import Ridge
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import FunctionTransformer, StandardScaler

from neuropipe.benchmark.pipeline_files import load_pipeline_file
from neuropipe.datasets.decoding import load_flint2012, load_stevenson2011
from neuropipe.decoders import (
    DiscriminativeKalmanFilter,
    KalmanFilterRegressor,
    SpikeHistory,
    r2,
)
from neuropipe.online import BinnedStreamDecoder, decode_binned_run

FOLDER = Path(__file__).resolve().parents[2] / "pipelines" / "decoding"
N_TRAIN, N_STREAM = 2000, 400  # first 2000 bins to fit, the next 400 streamed


@pytest.fixture(scope="module")
def flint():
    return load_flint2012()


def _pipeline(fname):
    return load_pipeline_file(FOLDER / fname)[0]["pipeline"]


def _stream(decoder, X, seed):
    """Push ``X`` in random chunk sizes (empty and one-bin chunks included)."""
    rng = np.random.default_rng(seed)
    frames, start = [], 0
    while start < len(X):
        size = int(rng.integers(0, 40))
        frames.append(decoder.push(X[start : start + size]))
        start += size
    return pd.concat(frames, ignore_index=True)


@pytest.mark.parametrize(
    "fname, seed",
    [("kalman.py", 0), ("kalman.py", 1), ("kalman_acc.py", 2), ("dkf_nw.py", 3), ("dkf_mlp.py", 4)],
)
def test_pipeline_files_stream_as_they_predict_on_flint2012(flint, fname, seed):
    """KF (scaler + KF), KF-acc (search over SpikeHistory + scaler + PCA + steady-state KF
    with acceleration), DKF-NW and DKF-MLP (history kept by the filter)."""
    model = _pipeline(fname).fit(flint.X[:N_TRAIN], flint.y[:N_TRAIN])
    X = flint.X[N_TRAIN : N_TRAIN + N_STREAM]
    offline = model.predict(X)
    decoder = BinnedStreamDecoder(model, flint.bin_size, state_names=flint.state_names)
    online = _stream(decoder, X, seed)
    assert online.columns.tolist() == ["bin", "time", "vx", "vy"]
    assert online["bin"].tolist() == list(range(N_STREAM))
    np.testing.assert_allclose(online["time"], 0.1 * np.arange(1, N_STREAM + 1), rtol=1e-12)
    np.testing.assert_allclose(online[["vx", "vy"]], offline, rtol=0, atol=1e-10)
    assert r2(flint.y[N_TRAIN : N_TRAIN + N_STREAM], offline) > 0.3  # a decoder, not noise
    # the whole run in one push: the same numbers; reset() starts the filter again
    whole = decode_binned_run(model, X, flint.bin_size, state_names=flint.state_names)
    pd.testing.assert_frame_equal(whole, online, check_exact=False, rtol=0, atol=1e-12)
    decoder.reset()
    np.testing.assert_allclose(decoder.push(X[:5])[["vx", "vy"]], offline[:5], atol=1e-10)


def test_wiener_file_keeps_spike_history_across_chunks_on_stevenson2011():
    """SpikeHistory(12) + scaler + ridge on 171 units: the history spans chunk borders."""
    data = load_stevenson2011()
    model = _pipeline("wiener.py").fit(data.X[:3000], data.y[:3000])
    X = data.X[3000:3300]
    online = _stream(BinnedStreamDecoder(model, data.bin_size), X, seed=5)
    np.testing.assert_allclose(online[["state0", "state1"]], model.predict(X), atol=1e-10)
    np.testing.assert_allclose(online["time"].iloc[-1], 300 * 0.05)


@pytest.mark.parametrize("steady_state, n_derivatives", [(False, 0), (True, 1)])
def test_kalman_step_equals_predict(flint, steady_state, n_derivatives):
    kf = KalmanFilterRegressor(steady_state=steady_state, n_derivatives=n_derivatives)
    kf.fit(flint.X[:N_TRAIN], flint.y[:N_TRAIN])
    X = flint.X[N_TRAIN : N_TRAIN + N_STREAM]
    means, covs = kf.predict(X, return_cov=True)
    kf.init_state()
    steps = [kf.step(x, return_cov=True) for x in X]
    np.testing.assert_allclose([m for m, _ in steps], means, rtol=0, atol=1e-12)
    np.testing.assert_allclose([c for _, c in steps], covs, rtol=1e-10, atol=0)
    with pytest.raises(RuntimeError, match="call init_state"):
        KalmanFilterRegressor().fit(flint.X[:100], flint.y[:100]).step(X[0])
    with pytest.raises(ValueError, match=r"shape \(10,\)"):
        kf.step(X[0, :9])


def _one_line_error(match, func, *args, **kwargs):
    with pytest.raises(ValueError, match=match) as info:
        func(*args, **kwargs)
    assert "\n" not in str(info.value)


def test_non_causal_models_are_refused(flint):
    X, y = flint.X[:500], flint.y[:500]
    wiener = make_pipeline(SpikeHistory(bins_before=2, bins_after=2), Ridge()).fit(X, y)
    _one_line_error(
        r"'spikehistory' \(SpikeHistory\) reads 2 future bin", BinnedStreamDecoder, wiener, 0.1
    )
    dkf = DiscriminativeKalmanFilter(Ridge(), bins_after=1, random_state=0).fit(X, y)
    _one_line_error("reads 1 future bin.*bins_after=0", BinnedStreamDecoder, dkf, 0.1)
    # a transformer whose output for a bin depends on the other bins of its input
    centred = make_pipeline(FunctionTransformer(lambda Z: Z - Z.mean(axis=0)), Ridge()).fit(X, y)
    _one_line_error("does not transform each bin on its own", BinnedStreamDecoder, centred, 0.1)


def test_wrong_chunks_and_settings_are_refused(flint):
    model = make_pipeline(StandardScaler(), KalmanFilterRegressor())
    model.fit(flint.X[:500], flint.y[:500])
    decoder = BinnedStreamDecoder(model, 0.1)
    _one_line_error(
        r"9 features per bin, but the model was fitted on 10", decoder.push, np.zeros((3, 9))
    )
    _one_line_error(r"shape \(10,\).*\(n_new_bins, 10\)", decoder.push, np.zeros(10))
    bad = np.zeros((2, 10))
    bad[1, 3] = np.nan
    _one_line_error("1 NaN or infinite", decoder.push, bad)
    assert decoder.n_bins == 0  # nothing refused was decoded
    _one_line_error("'bin_size' must be a positive", BinnedStreamDecoder, model, 0.0)
    _one_line_error(
        "decodes 2 state.*1 state_names", BinnedStreamDecoder, model, 0.1, state_names=["vx"]
    )
    empty = decoder.push(np.zeros((0, 10)))
    assert empty.columns.tolist() == ["bin", "time", "state0", "state1"] and empty.empty
