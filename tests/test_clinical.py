"""Calibrate / label workflow: fit_recording, predict_recording and the fit / predict commands.

The real-data test calibrates on EEGMMIDB S001 runs 4 and 8 and labels run 12, checking the
result against the same pipeline fitted and applied by hand on ``read_epochs`` output.
The refusal tests use small synthetic FIF recordings (channels, rate, order changed).
"""

import argparse

import mne
import numpy as np
import pandas as pd
import pytest
from sklearn.base import clone

from neuropipe._validation import DataFileError
from neuropipe.clinical import (
    ClinicalModel,
    add_fit_parser,
    add_predict_parser,
    fit_recording,
    load_model,
    parse_event_map,
    predict_recording,
)
from neuropipe.datasets import bundled_path
from neuropipe.evaluation.pipelines import load_pipeline_file
from neuropipe.io import read_epochs
from neuropipe.persistence import UntrustedTypesError, save

ROOT = bundled_path().parent
PSD_LDA = ROOT / "pipelines" / "psd_lda.py"
CSP_LDA = ROOT / "pipelines" / "csp_lda.py"
EVENTS = {"T1": "left", "T2": "right"}
CHANNELS = ["FC3", "FC4", "C3", "Cz", "C4", "CP3", "CP4", "Pz"]


def _recording(path, *, sfreq=160.0, ch_names=CHANNELS, seed=0, n_trials=24):
    """A FIF recording with T1/T2 cues; 'left' trials have 10 Hz power on C4, 'right' on C3."""
    rng = np.random.default_rng(seed)
    n = int((4 * n_trials + 4) * sfreq)
    t = np.arange(n) / sfreq
    data = rng.standard_normal((len(ch_names), n))
    cues = rng.permutation(np.repeat(["T1", "T2"], n_trials // 2))
    onsets = 2.0 + 4.0 * np.arange(n_trials)
    for onset, cue in zip(onsets, cues):
        window = (t >= onset) & (t < onset + 3.0)
        target = "C4" if cue == "T1" else "C3"
        if target in ch_names:
            data[ch_names.index(target), window] += 3 * np.sin(2 * np.pi * 10 * t[window])
    raw = mne.io.RawArray(data * 1e-6, mne.create_info(list(ch_names), sfreq, "eeg"))
    raw.set_annotations(mne.Annotations(onsets, 0.1, cues))
    raw.save(path, overwrite=True)
    return path


@pytest.fixture(scope="module")
def recordings(tmp_path_factory):
    folder = tmp_path_factory.mktemp("recordings")
    return {
        "calib": _recording(folder / "calib_raw.fif", seed=0),
        "new": _recording(folder / "new_raw.fif", seed=1),
        "rate": _recording(folder / "rate_raw.fif", sfreq=128.0, seed=2),
        "missing": _recording(folder / "missing_raw.fif", ch_names=CHANNELS[:-1], seed=3),
        "order": _recording(folder / "order_raw.fif", ch_names=CHANNELS[::-1], seed=4),
    }


@pytest.fixture(scope="module")
def model_path(recordings, tmp_path_factory):
    path = tmp_path_factory.mktemp("model") / "model.skops"
    fit_recording(PSD_LDA, recordings["calib"], EVENTS, 0.5, 2.5, l_freq=8.0, output=path)
    return path


@pytest.mark.slow
def test_calibrate_runs_4_8_and_label_run_12(tmp_path):
    folder = bundled_path("eegmmidb") / "S001"
    calib = [folder / "S001R04.edf", folder / "S001R08.edf"]
    epoching = dict(tmin=0.5, tmax=2.5, l_freq=8.0, h_freq=30.0)
    model = fit_recording(
        CSP_LDA, calib, "T1=left,T2=right", output=tmp_path / "m.skops", **epoching
    )

    # The same steps by hand: read_epochs, the pipeline file's pipeline, predict.
    train = read_epochs(calib, EVENTS, **epoching)
    test = read_epochs(folder / "S001R12.edf", EVENTS, **epoching)
    reference = clone(load_pipeline_file(CSP_LDA)[0]["pipeline"]).fit(train.X, train.y)

    assert model.ch_names == train.ch_names and len(model.ch_names) == 64
    assert model.sfreq == 160.0
    labels, counts = np.unique(train.y, return_counts=True)
    assert model.n_epochs == dict(zip(labels.tolist(), counts.tolist()))
    assert model.calibration_files == ["S001R04.edf", "S001R08.edf"]

    table = predict_recording(tmp_path / "m.skops", folder / "S001R12.edf")
    assert list(table.columns) == [
        "epoch", "onset", "event", "expected", "label", "proba_left", "proba_right",
    ]  # fmt: skip
    assert len(table) == len(test) == 15
    np.testing.assert_allclose(table["onset"], test.metadata["onset"])
    np.testing.assert_array_equal(table["expected"], test.y)
    np.testing.assert_array_equal(table["label"], reference.predict(test.X))
    proba = table[["proba_left", "proba_right"]].to_numpy()
    np.testing.assert_allclose(proba, reference.predict_proba(test.X), rtol=1e-10)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0)
    np.testing.assert_array_equal(table["label"], np.array(["left", "right"])[proba.argmax(1)])


def test_model_file_round_trip(recordings, model_path):
    model = load_model(model_path)
    assert isinstance(model, ClinicalModel)
    assert model.ch_names == CHANNELS and model.sfreq == 160.0
    assert model.event_map == EVENTS and model.classes == ["left", "right"]
    assert model.epoching == {
        "tmin": 0.5, "tmax": 2.5, "l_freq": 8.0, "h_freq": None, "filter_bank": None,
    }  # fmt: skip
    assert model.n_epochs == {"left": 12, "right": 12}
    assert model.pipeline_name == "PSD+R2+LDA"


def test_predict_labels_a_new_recording(recordings, model_path):
    table = predict_recording(model_path, recordings["new"])
    assert len(table) == 24
    assert set(table["event"]) == {"T1", "T2"}
    np.testing.assert_array_equal(table["expected"], table["event"].map(EVENTS))
    # 10 Hz bursts of 3 (noise 1) on C3 or C4 are easy: the calibrated model must find them.
    assert (table["label"] == table["expected"]).mean() >= 0.9
    np.testing.assert_allclose(table[["proba_left", "proba_right"]].sum(axis=1), 1.0)
    # the same model object, without going through the file
    same = predict_recording(load_model(model_path), recordings["new"])
    pd.testing.assert_frame_equal(same, table)


def test_predict_other_events_without_expected_label(recordings, model_path):
    table = predict_recording(model_path, recordings["new"], events=["T1"])
    assert set(table["event"]) == {"T1"} and len(table) == 12


@pytest.mark.parametrize(
    ("name", "match"),
    [
        ("rate", r"sampled at 128 Hz but the model was calibrated at 160 Hz.*resample"),
        ("missing", r"missing \['Pz'\]"),
        ("order", r"different order.*reorder"),
    ],
)
def test_mismatched_recording_is_refused(recordings, model_path, name, match):
    with pytest.raises(ValueError, match=match):
        predict_recording(model_path, recordings[name])


def test_pipeline_written_for_another_rate_is_refused(recordings):
    with pytest.raises(ValueError, match=r"'psd__sfreq' is 160.0 Hz.*sampled at 128 Hz"):
        fit_recording(PSD_LDA, recordings["rate"], EVENTS, 0.5, 2.5)


def test_non_eeg_pipeline_is_refused(recordings):
    with pytest.raises(ValueError, match=r"paradigms \['decoding'\], not EEG epochs"):
        fit_recording(ROOT / "pipelines/decoding/kalman.py", recordings["calib"], EVENTS, 0.5, 2.5)


def test_calibration_errors(recordings, tmp_path):
    with pytest.raises(FileNotFoundError):
        fit_recording(PSD_LDA, tmp_path / "none.edf", EVENTS, 0.5, 2.5)
    with pytest.raises(FileNotFoundError):
        fit_recording(tmp_path / "none.py", recordings["calib"], EVENTS, 0.5, 2.5)
    with pytest.raises(DataFileError, match="None of the requested events"):
        fit_recording(PSD_LDA, recordings["calib"], {"T7": "x", "T8": "y"}, 0.5, 2.5)
    with pytest.raises(ValueError, match="single class"):
        fit_recording(PSD_LDA, recordings["calib"], {"T1": "left"}, 0.5, 2.5)
    with pytest.raises(ValueError, match="No pipeline named"):
        fit_recording(PSD_LDA, recordings["calib"], EVENTS, 0.5, 2.5, name="nope")
    with pytest.raises(TypeError, match="non-empty dict"):
        fit_recording(PSD_LDA, recordings["calib"], ["T1"], 0.5, 2.5)


def test_plain_pipeline_file_is_not_a_model(recordings, tmp_path):
    pipeline = load_pipeline_file(PSD_LDA)[0]["pipeline"]
    path = save(pipeline, tmp_path / "plain.skops")
    with pytest.raises(DataFileError, match="not a calibrated model"):
        predict_recording(path, recordings["new"])


def test_model_with_untrusted_type_is_refused(recordings, model_path, tmp_path):
    import copy

    from sklearn.preprocessing import FunctionTransformer

    model = load_model(model_path)
    model.pipeline.steps.insert(0, ("hook", FunctionTransformer(copy.deepcopy)))
    path = tmp_path / "hooked.skops"
    with pytest.warns(UserWarning, match="refuses by default"):
        model.save(path)
    with pytest.raises(UntrustedTypesError, match="copy.deepcopy"):
        predict_recording(path, recordings["new"])
    assert len(predict_recording(path, recordings["new"], trusted=["copy.deepcopy"])) == 24


def test_parse_event_map():
    assert parse_event_map("T1=left, T2 = right,") == EVENTS
    for bad, match in [("T1", "EVENT=LABEL"), ("T1=a,T1=b", "twice"), (" , ", "empty")]:
        with pytest.raises(ValueError, match=match):
            parse_event_map(bad)


def _parser():
    parser = argparse.ArgumentParser(prog="neuropipe")
    sub = parser.add_subparsers(dest="command", required=True)
    add_fit_parser(sub)
    add_predict_parser(sub)
    return parser


def _run(argv):
    args = _parser().parse_args([str(a) for a in argv])
    return args.func(args)


def test_cli_fit_and_predict(recordings, tmp_path, capsys):
    model = tmp_path / "cli.skops"
    argv = [
        "fit",
        "--pipeline",
        PSD_LDA,
        "--data",
        recordings["calib"],
        "--events",
        "T1=left,T2=right",
    ]
    assert _run([*argv, "--l-freq", "8", "--h-freq", "none", "-o", model]) == 0
    assert "Calibrated 'PSD+R2+LDA' on 24 epochs" in capsys.readouterr().out
    assert load_model(model).epoching["h_freq"] is None

    csv = tmp_path / "labels.csv"
    assert _run(["predict", "--model", model, "--data", recordings["new"], "-o", csv]) == 0
    assert "Labelled 24 epochs" in capsys.readouterr().out
    written = pd.read_csv(csv)
    expected = predict_recording(model, recordings["new"])
    np.testing.assert_array_equal(written["label"], expected["label"])
    np.testing.assert_allclose(written["proba_left"], expected["proba_left"])

    assert _run(["predict", "--model", model, "--data", recordings["new"]]) == 0
    assert capsys.readouterr().out.startswith("epoch,onset,event,expected,label,proba_left")


def test_cli_reports_errors_without_traceback(recordings, model_path, tmp_path, capsys):
    assert _run(["predict", "--model", model_path, "--data", recordings["rate"]]) == 1
    err = capsys.readouterr().err
    assert err.startswith("neuropipe predict: error:") and "128 Hz" in err
    argv = ["fit", "--pipeline", PSD_LDA, "--data", recordings["calib"], "--events", "T1"]
    assert _run([*argv, "-o", tmp_path / "x.skops"]) == 1
    assert "EVENT=LABEL" in capsys.readouterr().err


@pytest.mark.parametrize("command", ["fit", "predict"])
def test_cli_help(command, capsys):
    with pytest.raises(SystemExit) as info:
        _parser().parse_args([command, "--help"])
    assert info.value.code == 0
    out = capsys.readouterr().out
    for option in ["--data", "-o"] + (["--events", "--tmin"] if command == "fit" else ["--model"]):
        assert option in out


@pytest.mark.slow
def test_module_docstring_example_runs():
    import doctest

    import neuropipe.clinical

    failures, tried = doctest.testmod(neuropipe.clinical, verbose=False)
    assert tried > 0 and failures == 0
