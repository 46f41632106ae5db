"""Calibrate / label workflow: fit_recording, predict_recording and the fit / predict commands.

The real-data test calibrates on EEGMMIDB S001 runs 4 and 8 and labels run 12, checking the
result against the same pipeline fitted and applied by hand on ``read_epochs`` output.
The refusal tests use small synthetic FIF recordings (channels, rate, order changed).
"""

import argparse
import io

import mne
import numpy as np
import pandas as pd
import pytest
from sklearn.base import clone

from neuropipe._validation import DataFileError
from neuropipe.benchmark.pipeline_files import load_pipeline_file
from neuropipe.clinical import (
    ClinicalModel,
    fit_recording,
    load_model,
    parse_event_map,
    predict_recording,
    prediction_summary,
)
from neuropipe.clinical_cli import add_fit_parser, add_predict_parser
from neuropipe.datasets import bundled_path
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
        "outlier", "quality", "potato_z",
    ]  # fmt: skip
    assert not table["outlier"].any() and set(table["quality"]) == {"ok"}
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


def test_pipeline_written_for_another_rate_is_refused(recordings, tmp_path):
    # the shipped files take the rate from the recording...
    model = fit_recording(PSD_LDA, recordings["rate"], EVENTS, 0.5, 2.5)
    assert model.sfreq == 128.0 and model.pipeline.get_params()["psd__sfreq"] == 128.0
    # ...one that writes a rate is refused on a recording at another
    fixed = tmp_path / "psd_lda_160.py"
    fixed.write_text(PSD_LDA.read_text().replace("PSD(\n", "PSD(\n            sfreq=160.0,\n"))
    with pytest.raises(ValueError, match=r"'psd__sfreq' is 160.0 Hz.*sampled at 128 Hz"):
        fit_recording(fixed, recordings["rate"], EVENTS, 0.5, 2.5)


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
    out = capsys.readouterr().out
    assert "Labelled 24 epochs of new_raw.fif" in out
    # issue 19: the file has labels, so the accuracy is printed (and is right)
    expected = predict_recording(model, recordings["new"])
    correct = int((expected["label"] == expected["expected"]).sum())
    assert f"accuracy on the 24 epochs with a calibrated event: {correct / 24:.3f} " in out
    assert f"({correct}/24)" in out and correct >= 22
    assert not list(tmp_path.glob("*.part"))
    written = pd.read_csv(csv)
    np.testing.assert_array_equal(written["label"], expected["label"])
    np.testing.assert_allclose(written["proba_left"], expected["proba_left"])

    assert _run(["predict", "--model", model, "--data", recordings["new"]]) == 0
    captured = capsys.readouterr()
    assert captured.out.startswith("epoch,onset,event,expected,label,proba_left")
    assert "accuracy on the 24 epochs" in captured.err  # stdout holds only the CSV
    assert len(pd.read_csv(io.StringIO(captured.out))) == 24


def test_cli_reports_errors_without_traceback(recordings, model_path, tmp_path, capsys):
    # clinical raises; neuropipe.cli.main prints one line and exits with code 2
    from neuropipe.cli import main

    assert main(["predict", "--model", model_path, "--data", recordings["rate"]]) == 2
    err = capsys.readouterr().err
    assert err.startswith("neuropipe: error:") and "128 Hz" in err
    assert len(err.strip().splitlines()) == 1 and "Traceback" not in err
    argv = ["fit", "--pipeline", PSD_LDA, "--data", recordings["calib"], "--events", "T1"]
    assert main([*argv, "-o", tmp_path / "x.skops"]) == 2
    err = capsys.readouterr().err
    assert "EVENT=LABEL" in err and len(err.strip().splitlines()) == 1


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


# --- never a confident label on garbage (issue 16) ---------------------------------------

S001 = bundled_path("eegmmidb") / "S001"
N_SIGNALS = 65  # EEGMMIDB EDF: 64 EEG channels and the annotation channel


@pytest.fixture(scope="module")
def real_model():
    """CSP+LDA calibrated on EEGMMIDB S001 runs 4 and 8 (real EDF files)."""
    return fit_recording(
        CSP_LDA, [S001 / "S001R04.edf", S001 / "S001R08.edf"], EVENTS, 0.5, 2.5,
        l_freq=8.0, h_freq=30.0,
    )  # fmt: skip


def _edited_run12(tmp_path, name, edit):
    """A copy of S001R12 with its raw EDF bytes edited, or its samples (FIF) edited."""
    if name.endswith(".edf"):
        content = bytearray((S001 / "S001R12.edf").read_bytes())
        edit(content)
        (tmp_path / name).write_bytes(bytes(content))
        return tmp_path / name
    raw = mne.io.read_raw_edf(S001 / "S001R12.edf", preload=True, verbose="ERROR")
    data = raw.get_data()
    edit(data)
    copy = mne.io.RawArray(data, raw.info, verbose="ERROR")
    copy.set_annotations(raw.annotations)
    copy.save(tmp_path / name, verbose="ERROR")
    return tmp_path / name


def _volts(data):
    """Every sample 1e6 times too large (a wrong unit). An EDF header that says 'V' for
    'uV' is refused when the file is read (tests/test_reliability_data.py)."""
    data *= 1e6


def _zero_c3(data):
    data[8] = 0.0  # C3, a dead electrode


def _weak_c3(data):
    data[8] *= 1e-3


def _burst(data):
    data[:, 4700:5100] *= 50  # an artifact over the epoch cut 29.6-31.6 s (epoch 3)


def test_clean_run_is_labelled_without_flags(real_model):
    table = predict_recording(real_model, S001 / "S001R12.edf")
    assert len(table) == 15 and not table["outlier"].any()
    assert np.isfinite(table["potato_z"]).all()
    assert prediction_summary(table).startswith("Labelled 15 epochs")


@pytest.mark.parametrize(
    ("name", "edit", "match"),
    [
        ("v_raw.fif", _volts, r"amplitudes are 9\.\d+e\+05 times those of the calibration.*unit"),
        ("dead_raw.fif", _zero_c3, r"\['C3'\] are flat \(zero variance\).*dead"),
        ("weak_raw.fif", _weak_c3, r"more than 10 times \(C3 x0.00\d+\): dead or flat"),
    ],
)
def test_recording_outside_the_calibration_is_refused(real_model, tmp_path, name, edit, match):
    path = _edited_run12(tmp_path, name, edit)
    with pytest.raises(DataFileError, match=match):
        predict_recording(real_model, path)


def test_outlier_epochs_are_flagged_or_refused(real_model, tmp_path):
    path = _edited_run12(tmp_path, "burst_raw.fif", _burst)
    table = predict_recording(real_model, path)
    assert table["outlier"].tolist() == [i == 3 for i in range(15)]
    assert table.at[3, "quality"].startswith("amplitude x")
    assert "of calibration on" in table.at[3, "quality"]
    clean = predict_recording(real_model, S001 / "S001R12.edf")
    assert table.at[3, "potato_z"] > clean["potato_z"].max()
    summary = prediction_summary(table)
    assert "1 flagged as outliers" in summary and "without the outliers" in summary
    with pytest.raises(DataFileError, match=r"1 of 15 epochs are outside.*epoch 3: amplitude"):
        predict_recording(real_model, path, on_outlier="refuse")
    with pytest.raises(ValueError, match="'on_outlier'"):
        predict_recording(real_model, path, on_outlier="drop")


def test_truncated_recording_warns_and_labels_what_is_there(real_model, tmp_path):
    from neuropipe.io.eeg import RecordingWarning

    content = (S001 / "S001R12.edf").read_bytes()
    (tmp_path / "half.edf").write_bytes(content[: len(content) // 2])
    with pytest.warns(RecordingWarning, match="half.edf is truncated"):
        table = predict_recording(real_model, tmp_path / "half.edf")
    assert len(table) == 7 and not table["outlier"].any()


def test_header_without_scale_is_refused(real_model, tmp_path):
    def same_digital_limits(content):
        low = 256 + N_SIGNALS * 120 + 8 * 8
        high = 256 + N_SIGNALS * 128 + 8 * 8
        content[high : high + 8] = content[low : low + 8]

    path = _edited_run12(tmp_path, "dmin.edf", same_digital_limits)
    with pytest.raises(DataFileError, match=r"\['C3..'\] have digital minimum == digital max"):
        predict_recording(real_model, path)


def test_cli_refuses_wrong_unit_in_one_line(real_model, tmp_path, capsys):
    from neuropipe.cli import main

    model = real_model.save(tmp_path / "m.skops")
    path = _edited_run12(tmp_path, "v_raw.fif", _volts)
    assert main(["predict", "--model", model, "--data", path, "-o", tmp_path / "x.csv"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("neuropipe: error:") and "times those of the calibration" in err
    assert not (tmp_path / "x.csv").exists()
    burst = _edited_run12(tmp_path, "burst_raw.fif", _burst)
    argv = ["predict", "--model", model, "--data", burst, "--on-outlier", "refuse"]
    assert main(argv) == 2
    assert "epoch 3: amplitude" in capsys.readouterr().err


def test_flat_calibration_channel_is_refused(tmp_path):
    raw = mne.io.read_raw_fif(_recording(tmp_path / "c_raw.fif"), preload=True, verbose="ERROR")
    data = raw.get_data()
    data[2] = 0.0
    flat = mne.io.RawArray(data, raw.info, verbose="ERROR")
    flat.set_annotations(raw.annotations)
    flat.save(tmp_path / "flat_raw.fif", verbose="ERROR")
    with pytest.raises(DataFileError, match=r"\['C3'\] are flat \(zero variance\) in 24 of 24"):
        fit_recording(PSD_LDA, tmp_path / "flat_raw.fif", EVENTS, 0.5, 2.5)


def test_output_folder_fails_before_any_work(recordings, tmp_path, monkeypatch):
    import neuropipe.clinical as clinical

    def no_reading(*args, **kwargs):
        raise AssertionError("the recordings were read before the output was checked")

    monkeypatch.setattr(clinical, "read_epochs", no_reading)
    with pytest.raises(IsADirectoryError, match="it is a folder; give a file name"):
        fit_recording(PSD_LDA, recordings["calib"], EVENTS, 0.5, 2.5, output=tmp_path)
    with pytest.raises(FileNotFoundError, match="does not exist"):
        fit_recording(PSD_LDA, recordings["calib"], EVENTS, 0.5, 2.5, output=tmp_path / "a/b")
    assert list(tmp_path.iterdir()) == []  # no stray .part


def test_cli_fit_to_a_folder_is_one_line_error(recordings, tmp_path, capsys):
    from neuropipe.cli import main

    argv = ["fit", "--pipeline", PSD_LDA, "--data", recordings["calib"], "--events", "T1=l,T2=r"]
    assert main([*argv, "-o", tmp_path]) == 2
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 1 and "folder" in err
    assert list(tmp_path.iterdir()) == []


def test_transformer_only_pipeline_is_refused_at_fit(recordings, tmp_path, monkeypatch):
    import neuropipe.clinical as clinical

    pipeline_file = tmp_path / "psd_only.py"
    pipeline_file.write_text(
        "from neuropipe.features.spectral import PSD\n"
        "PIPELINE = {'name': 'PSD only', 'paradigms': ['LeftRightImagery'],\n"
        "            'pipeline': PSD(160.0, method='welch')}\n"
    )
    monkeypatch.setattr(clinical, "read_epochs", lambda *a, **k: pytest.fail("read first"))
    with pytest.raises(ValueError, match=r"'PSD only' ends with PSD, which has no predict\(\)"):
        fit_recording(pipeline_file, recordings["calib"], EVENTS, 0.5, 2.5)


def test_transformer_only_model_is_refused_at_predict(recordings, model_path):
    from neuropipe.features.spectral import PSD

    model = load_model(model_path)
    model.pipeline = PSD(160.0, method="welch").fit(np.zeros((2, 8, 321)))
    with pytest.raises(ValueError, match=r"ends with PSD, which has no predict\(\)"):
        predict_recording(model, recordings["new"])


def test_model_without_calibration_statistics_is_refused(model_path, tmp_path):
    content = load_model(model_path).to_dict()
    content["format_version"] = 1
    del content["metadata"]["calibration"]
    save(content, tmp_path / "v1.skops")
    with pytest.raises(DataFileError, match="version 1 models hold no calibration statistics"):
        load_model(tmp_path / "v1.skops")


@pytest.mark.slow
def test_clean_runs_of_every_subject_are_accepted():
    """No refusal, almost no flag, on the real runs 12 of subjects 2-6 (S001: above)."""
    flagged = 0
    for subject in range(2, 7):
        folder = bundled_path("eegmmidb") / f"S{subject:03d}"
        runs = [folder / f"S{subject:03d}R{r:02d}.edf" for r in (4, 8)]
        model = fit_recording(CSP_LDA, runs, EVENTS, 0.5, 2.5, l_freq=8.0, h_freq=30.0)
        table = predict_recording(model, folder / f"S{subject:03d}R12.edf")
        assert len(table) == 15
        flagged += int(table["outlier"].sum())
    assert flagged <= 2
