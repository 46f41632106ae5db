"""SlidingWindowDecoder: chunked == whole run bit for bit, window placement, causality."""

import numpy as np
import pandas as pd
import pytest
from scipy.signal import butter, sosfilt
from sklearn.discriminant_analysis import LinearDiscriminantAnalysis
from sklearn.dummy import DummyClassifier
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import FunctionTransformer

from neuropipe.online import SlidingWindowDecoder, causal_filter, decide_run

SFREQ = 100.0


def _log_var(X):
    return np.log(np.var(X, axis=-1))


def _make_run(seed):
    rng = np.random.default_rng(seed)
    data = rng.standard_normal((3, 1000)) * 20.0
    data[0, 400:700] *= 3.0
    return data


@pytest.fixture(scope="module")
def model():
    """LDA on the log-variance of 3-channel windows: proba depends on every sample."""
    train = causal_filter(_make_run(0), SFREQ, 8.0, 30.0)
    starts = np.arange(100, 950, 10)
    X = np.stack([train[:, s : s + 50] for s in starts])
    y = np.where((starts >= 400) & (starts + 50 <= 700), "right", "left")
    return make_pipeline(FunctionTransformer(_log_var), LinearDiscriminantAnalysis()).fit(X, y)


@pytest.fixture(scope="module")
def run():
    return _make_run(1)


def _chunks(data, sizes):
    out, start = [], 0
    for size in sizes:
        out.append(data[:, start : start + size])
        start += size
    out.append(data[:, start:])
    return out


@pytest.mark.parametrize("seed, filter_init", [(0, "zeros"), (1, "zeros"), (2, "steady")])
def test_chunked_equals_whole_run_bitwise(model, run, seed, filter_init):
    kwargs = dict(window=0.5, step=0.07, l_freq=8.0, h_freq=30.0, filter_init=filter_init)
    whole = decide_run(model, run, SFREQ, **kwargs)
    rng = np.random.default_rng(seed)
    sizes = rng.integers(0, 60, size=40)  # includes empty and 1-sample chunks
    decoder = SlidingWindowDecoder(model, SFREQ, **kwargs)
    chunked = pd.concat([decoder.push(c) for c in _chunks(run, sizes)], ignore_index=True)
    pd.testing.assert_frame_equal(chunked, whole, check_exact=True)
    assert decoder.n_samples == run.shape[1]
    assert set(whole["label"]) == {"left", "right"}


def test_window_ends_at_the_stated_samples(model, run):
    decisions = decide_run(model, run, SFREQ, window=0.5, step=0.07)
    n_window, n_step = 50, 7
    expected = np.arange(n_window - 1, run.shape[1], n_step)
    np.testing.assert_array_equal(decisions["sample"], expected)
    np.testing.assert_array_equal(decisions["time"], expected / SFREQ)
    assert list(decisions.columns) == ["sample", "time", "label", "proba_left", "proba_right"]


def test_each_decision_is_the_model_on_the_filtered_window(model, run):
    decisions = decide_run(model, run, SFREQ, window=0.5, step=0.25, l_freq=8.0, h_freq=30.0)
    sos = butter(4, [8.0, 30.0], "bandpass", fs=SFREQ, output="sos")
    filtered = sosfilt(sos, run, axis=-1)
    np.testing.assert_allclose(causal_filter(run, SFREQ, 8.0, 30.0), filtered, rtol=1e-12)
    filtered = causal_filter(run, SFREQ, 8.0, 30.0)
    for _, row in decisions.iterrows():
        end = int(row["sample"])
        epoch = filtered[np.newaxis, :, end - 49 : end + 1]
        # the pipeline's transformers run once for both: the same numbers, bit for bit
        assert row[["proba_left", "proba_right"]].tolist() == model.predict_proba(epoch)[0].tolist()
        assert row["label"] == model.predict(epoch)[0]


def test_steady_initial_state_removes_the_dc_transient(run):
    offset = np.array([[5000.0], [-20000.0], [300.0]])  # DC-coupled amplifier offsets, uV
    flat = causal_filter(np.repeat(offset, 200, axis=1), SFREQ, 8.0, 30.0, filter_init="steady")
    np.testing.assert_allclose(flat, 0.0, atol=1e-8)
    zeros = causal_filter(np.repeat(offset, 200, axis=1), SFREQ, 8.0, 30.0)
    assert np.abs(zeros[1, :20]).max() > 1000.0  # the step response of a zero start
    # on a signal, the offset changes nothing: filter(x + c) == filter(x), both steady
    steady = causal_filter(run + offset, SFREQ, 8.0, 30.0, filter_init="steady")
    np.testing.assert_allclose(
        steady, causal_filter(run, SFREQ, 8.0, 30.0, filter_init="steady"), atol=1e-7
    )
    with pytest.raises(ValueError, match="'filter_init' parameter"):
        causal_filter(run, SFREQ, 8.0, 30.0, filter_init="mean")


class _FirstSample:
    """Labels a window by the sign of its first sample on channel 0, records what it saw."""

    classes_ = np.array(["neg", "pos"])

    def __init__(self):
        self.seen = []

    def predict(self, X):
        self.seen.append(X.copy())
        return np.where(X[:, 0, 0] > 0, "pos", "neg")


def test_hand_checked_tiny_case():
    # 1 channel, window 3 samples, step 2: windows [0..2], [2..4], [4..6]
    data = np.array([[1.0, -1.0, 5.0, -2.0, -3.0, 4.0, 6.0]])
    model = _FirstSample()
    decisions = decide_run(model, data, 10.0, window=0.3, step=0.2)
    assert decisions["sample"].tolist() == [2, 4, 6]
    np.testing.assert_allclose(decisions["time"], [0.2, 0.4, 0.6])
    assert decisions["label"].tolist() == ["pos", "pos", "neg"]
    assert [x.tolist() for x in model.seen] == [
        [[[1.0, -1.0, 5.0]]],
        [[[5.0, -2.0, -3.0]]],
        [[[-3.0, 4.0, 6.0]]],
    ]
    assert list(decisions.columns) == ["sample", "time", "label"]  # no predict_proba


def test_causal_future_samples_never_change_past_decisions(model, run):
    kwargs = dict(window=0.5, step=0.1, l_freq=8.0, h_freq=30.0)
    past = decide_run(model, run[:, :600], SFREQ, **kwargs)
    changed = run.copy()
    changed[:, 600:] = np.random.default_rng(5).standard_normal((3, 400)) * 1e3
    full = decide_run(model, changed, SFREQ, **kwargs)
    pd.testing.assert_frame_equal(full.iloc[: len(past)], past, check_exact=True)
    assert len(full) > len(past)


def test_empty_frame_and_reset(model, run):
    decoder = SlidingWindowDecoder(model, SFREQ, window=0.5, step=0.1)
    empty = decoder.push(run[:, :10])
    assert empty.empty and list(empty.columns) == decoder.columns
    assert empty["sample"].dtype == np.int64
    decoder.push(run[:, 10:300])
    decoder.reset()
    again = decoder.push(run[:, :300])
    pd.testing.assert_frame_equal(
        again, decide_run(model, run[:, :300], SFREQ, window=0.5, step=0.1), check_exact=True
    )


def test_classes_name_the_probability_columns():
    model = DummyClassifier().fit(np.zeros((2, 1)), [0, 1])
    decoder = SlidingWindowDecoder(model, SFREQ, window=0.1, step=0.1, classes=["rest", "move"])
    assert decoder.columns == ["sample", "time", "label", "proba_rest", "proba_move"]


@pytest.mark.parametrize(
    "kwargs, match",
    [
        (dict(window=0.5, step=0.0), "'step' must be at least one sample"),
        (dict(window=0.5, step=-1), "'step' must be at least one sample"),
        (dict(window=0.001, step=0.1), "'window' must be at least one sample"),
        (dict(window="long", step=0.1), "'window' must be a duration"),
        (dict(window=0.5, step=0.1, l_freq=60.0), "Nyquist"),
        (dict(window=0.5, step=0.1, l_freq=30.0, h_freq=8.0), "lower than 'h_freq'"),
    ],
)
def test_invalid_settings(model, kwargs, match):
    with pytest.raises((ValueError, TypeError), match=match):
        SlidingWindowDecoder(model, SFREQ, **kwargs)


def test_invalid_chunks(model, run):
    decoder = SlidingWindowDecoder(model, SFREQ, window=0.5, step=0.1)
    decoder.push(run[:, :10])
    with pytest.raises(ValueError, match="chunk has 2 channels, but the decoder received 3"):
        decoder.push(run[:2, 10:20])
    with pytest.raises(ValueError, match="shape \\(n_channels, n_samples\\)"):
        decoder.push(run[0, 10:20])
    bad = run[:, 10:20].copy()
    bad[1, 3] = np.nan
    with pytest.raises(ValueError, match="1 NaN or infinite"):
        decoder.push(bad)
    assert decoder.n_samples == 10  # refused chunks change nothing
    with pytest.raises(ValueError, match="fewer than one window of 50 samples"):
        decide_run(model, run[:, :49], SFREQ, window=0.5, step=0.1)
    with pytest.raises(TypeError, match="fitted classifier with predict"):
        SlidingWindowDecoder(object(), SFREQ, window=0.5, step=0.1)
