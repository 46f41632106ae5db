"""A fitted pipeline checks what ``predict`` is given, in the Python API, saved or not.

The first step of every shipped EEG pipeline, ``EpochsToArray``, records at ``fit`` what
``neuropipe predict`` checks a recording against (channels, rate, unit, flat channels) and
refuses, in ``predict`` / ``transform``, epochs unlike them: with one message naming the
problem and the fix, in the words of ``neuropipe predict`` (``neuropipe._input_checks``).
Checked here on a model saved with ``neuropipe.persistence`` and loaded in a new process,
fed the bundled EEGMMIDB S001 epochs (real data) in volts, with the channel order reversed,
at 128 Hz and with a flat channel.
"""

import json
import re
import subprocess
import sys

import numpy as np
import pytest

from neuropipe._validation import DataFileError
from neuropipe.benchmark.pipeline_files import load_pipeline_file
from neuropipe.datasets import default_pipelines_dir, load_dataset
from neuropipe.persistence import save
from neuropipe.preprocessing import EpochsToArray, with_recording_info

#: Loads the model given as argv[1] and predicts each case; prints {case: labels or error}.
PREDICT_CASES = """
import json, sys
import numpy as np
from neuropipe.datasets import load_dataset
from neuropipe.persistence import load

model = load(sys.argv[1])
data = load_dataset("eegmmidb-leftright", subjects=[1])
epochs = data.to_mne()
flat = data.X.copy()
flat[:, data.ch_names.index("C3")] = 0.0
cases = {
    "microvolt arrays": lambda: data.X,
    "mne.Epochs": lambda: epochs,
    "volt arrays": lambda: data.X * 1e-6,
    "reversed channels": lambda: epochs.copy().reorder_channels(epochs.ch_names[::-1]),
    "128 Hz epochs": lambda: epochs.copy().resample(128.0),
    "128 Hz arrays": lambda: epochs.copy().resample(128.0).get_data() * 1e6,
    "flat channel": lambda: flat,
}
out = {}
for name, make in cases.items():
    try:
        out[name] = {"labels": model.predict(make()).tolist()}
    except Exception as exc:
        out[name] = {"error": f"{type(exc).__name__}: {exc}"}
print(json.dumps(out))
"""

#: Case -> the start of the one message it must be refused with (a regular expression).
REFUSED = {
    "volt arrays": r"DataFileError: X: its amplitudes are (1e-06|9\.\d\de-07) times those of "
    r"the epochs EpochsToArray was fitted on .* multiply volts by 1e6",
    "reversed channels": r"ValueError: Channels of X are in a different order than at fit "
    r"time; reorder them",
    "128 Hz epochs": r"ValueError: X is sampled at 128 Hz but EpochsToArray was fitted at 160 "
    r"Hz; resample the epochs \(epochs\.resample\(160\)\)",
    "128 Hz arrays": r"ValueError: X has 385 samples per epoch but EpochsToArray was fitted on "
    r"481; cut the same epoch window at the same sampling rate as at fit time\.$",
    "flat channel": r"DataFileError: X: channel\(s\) \['C3'\] are flat \(zero variance\) in at "
    r"least half of its 45 epochs",
}


@pytest.fixture(scope="module")
def s001():
    return load_dataset("eegmmidb-leftright", subjects=[1])


@pytest.mark.slow
def test_saved_model_refuses_unlike_input_in_a_new_process(s001, tmp_path):
    config = load_pipeline_file(default_pipelines_dir() / "ts_lr.py")[0]
    model = with_recording_info(config["pipeline"], s001).fit(s001.X, s001.y)
    path = save(model, tmp_path / "ts_lr.skops")
    run = subprocess.run(
        [sys.executable, "-c", PREDICT_CASES, str(path)],
        capture_output=True,
        text=True,
        timeout=600,
        check=True,
    )
    out = json.loads(run.stdout.strip().splitlines()[-1])
    expected = model.predict(s001.X).tolist()
    assert out["microvolt arrays"] == {"labels": expected}
    assert out["mne.Epochs"] == {"labels": expected}  # info checked, then the same labels
    assert len(set(expected)) == 2
    for case, pattern in REFUSED.items():
        assert "labels" not in out[case], f"{case} was labelled"
        message = out[case]["error"]
        assert re.match(pattern, message), f"{case}: {message}"
        assert "\n" not in message


def test_epochs_to_array_records_and_checks_without_saving(s001):
    X = s001.X[:20]
    step = EpochsToArray(ch_names=s001.ch_names, sfreq=s001.sfreq).fit(X)
    assert step.ch_names_ == s001.ch_names and step.sfreq_ == 160.0 and step.n_times_ == 481
    np.testing.assert_array_equal(step.transform(s001.X[20:]), s001.X[20:])
    assert step.transform(X[:1] * 3.0).shape == (1, 64, 481)  # within 10x: accepted
    with pytest.raises(DataFileError, match=r"amplitudes are 1e\+06 times"):
        step.transform(X * 1e6)
    with pytest.raises(ValueError, match="X has 63 channels but EpochsToArray was fitted on 64"):
        step.transform(X[:, 1:])
    nan = X.copy()
    nan[0, 3, 5] = np.nan
    with pytest.raises(ValueError, match="contains 1 NaN"):
        step.transform(nan)
    with pytest.raises(DataFileError, match=r"channel\(s\) \['FC5'\] are flat .* before fitting"):
        EpochsToArray(ch_names=s001.ch_names).fit(np.concatenate([X[:, :1] * 0, X[:, 1:]], 1))
    with pytest.raises(ValueError, match="'ch_names' has 2 names but X has 64 channels"):
        EpochsToArray(ch_names=["C3", "C4"]).fit(X)


def test_mne_epochs_names_and_rate_must_agree_with_the_parameters(s001):
    epochs = s001.to_mne()[:10]
    with pytest.raises(ValueError, match="sampled at 160 Hz but EpochsToArray was given sfreq"):
        EpochsToArray(sfreq=128.0).fit(epochs)
    with pytest.raises(ValueError, match="Channels of the mne.Epochs do not match"):
        EpochsToArray(ch_names=["C3"] * 64).fit(epochs)
    step = EpochsToArray().fit(epochs)
    assert step.ch_names_ == s001.ch_names and step.sfreq_ == 160.0
    np.testing.assert_allclose(step.transform(s001.X[:10]), s001.X[:10])  # arrays: no names


def test_filter_bank_first_step_checks_too():
    """The filter-bank SSVEP pipelines start with FilterBank, which checks as EpochsToArray."""
    data = load_dataset("ssvep-exo", subjects=[1], paradigm="SSVEP")
    epochs = data.to_mne()
    config = load_pipeline_file(default_pipelines_dir() / "fb_mdm_ssvep.py")[0]
    model = config["pipeline"].fit(epochs, data.y)
    assert model[0].ch_names_ == data.ch_names and model[0].n_times_ == 513
    assert set(model.predict(epochs[:5])) <= set(data.y)
    with pytest.raises(ValueError, match="Channels of X are in a different order"):
        model.predict(epochs.copy().reorder_channels(data.ch_names[::-1]))
    with pytest.raises(ValueError, match="X is sampled at 128 Hz but FilterBank was fitted at"):
        model.predict(epochs.copy().resample(128.0))
    flat = epochs.copy().apply_function(lambda x: 0.0 * x, picks=["Oz"], channel_wise=True)
    with pytest.raises(DataFileError, match=r"channel\(s\) \['Oz'\] are flat"):
        model.predict(flat)
