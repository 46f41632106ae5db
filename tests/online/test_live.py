"""neuropipe online on the loopback interface: a replayed EEGMMIDB run decoded live gives
the decisions of decide_run on the same samples; mismatches, missing and stalled streams
end with one line and exit code 2."""

import threading
import uuid

import mne
import numpy as np
import pandas as pd
import pytest
from sklearn.dummy import DummyClassifier

pytest.importorskip("mne_lsl")

from mne_lsl.lsl import StreamInlet, resolve_streams  # noqa: E402
from mne_lsl.player import PlayerLSL  # noqa: E402

from neuropipe.cli import main  # noqa: E402
from neuropipe.clinical import ClinicalModel, fit_recording  # noqa: E402
from neuropipe.datasets import bundled_path  # noqa: E402
from neuropipe.io.eeg import read_raw, standardize_channel_names  # noqa: E402
from neuropipe.online import decide_run  # noqa: E402

FOLDER = bundled_path("eegmmidb") / "S001"
PIPELINES = bundled_path().parent / "pipelines"


def _name(prefix):
    return f"neuropipe-test-{prefix}-{uuid.uuid4().hex[:10]}"


def _channels():
    raw = standardize_channel_names(read_raw(FOLDER / "S001R12.edf"))
    return raw.ch_names


@pytest.fixture(scope="module")
def dummy_model(tmp_path_factory):
    """A model of the 64 EEGMMIDB channels at 160 Hz (no fitting: for the refusals)."""
    model = ClinicalModel(
        DummyClassifier().fit(np.zeros((2, 1)), ["left", "right"]),
        _channels(),
        160.0,
        {"T1": "left", "T2": "right"},
        {"tmin": 0.5, "tmax": 2.5, "l_freq": 8.0, "h_freq": 30.0, "filter_bank": None},
    )
    return model.save(tmp_path_factory.mktemp("online") / "dummy.skops")


def _fif(path, ch_names, sfreq, seconds):
    data = np.random.default_rng(0).standard_normal((len(ch_names), int(seconds * sfreq)))
    raw = mne.io.RawArray(data * 1e-5, mne.create_info(ch_names, sfreq, "eeg"), verbose=False)
    raw.save(path, verbose=False)
    return path


def _one_line_error(capsys, match):
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("neuropipe: error: "), err
    assert match in err[0], err[0]
    return err[0]


@pytest.mark.parametrize(
    "sfreq, channels, match",
    [
        (100.0, None, "sampled at 100 Hz but the model was calibrated at 160 Hz"),
        (160.0, ["C3", "Cz", "C4"], "missing ['FC5'"),
    ],
)
def test_mismatched_stream_is_refused(dummy_model, tmp_path, capsys, sfreq, channels, match):
    fif = _fif(tmp_path / "other_raw.fif", channels or _channels(), sfreq, 3.0)
    code = main(
        [
            "online",
            "--model",
            dummy_model,
            "--stream",
            _name("mismatch"),
            "--replay",
            fif,
            "--outlet",
            "",
        ]
    )
    assert code == 2
    _one_line_error(capsys, match)


def test_missing_stream_ends_with_one_line(dummy_model, capsys):
    code = main(["online", "--model", dummy_model, "--stream", _name("absent"), "--timeout", "0.5"])
    assert code == 2
    _one_line_error(capsys, "found within 0.5 s")


def test_stalled_stream_ends_with_one_line(dummy_model, tmp_path, capsys):
    name = _name("stall")
    fif = _fif(tmp_path / "short_raw.fif", _channels(), 160.0, 1.05)  # not whole chunks
    with PlayerLSL(fif, n_repeat=1, name=name, source_id=name):
        code = main(
            [
                "online",
                "--model",
                dummy_model,
                "--stream",
                name,
                "--stall-timeout",
                "1",
                "--outlet",
                "",
            ]
        )
    assert code == 2
    _one_line_error(capsys, "stalled: no new sample for 1 s")


@pytest.mark.slow
def test_replayed_run_gives_the_offline_decisions(tmp_path, capsys):
    """Calibrate on runs 4 and 8, replay run 12 live for 5 s: same decisions as decide_run."""
    model = fit_recording(
        PIPELINES / "psd_lda.py",
        [FOLDER / "S001R04.edf", FOLDER / "S001R08.edf"],
        {"T1": "left", "T2": "right"},
        tmin=0.5,
        tmax=2.5,
        l_freq=8.0,
        h_freq=30.0,
        output=tmp_path / "model.skops",
    )
    stream, outlet, csv = _name("replay"), _name("decisions"), tmp_path / "decisions.csv"
    codes, received = [], []
    thread = threading.Thread(
        target=lambda: codes.append(
            main(
                [
                    "online",
                    "--model",
                    tmp_path / "model.skops",
                    "--stream",
                    stream,
                    "--replay",
                    FOLDER / "S001R12.edf",
                    "--duration",
                    "5",
                    "-o",
                    csv,
                    "--outlet",
                    outlet,
                ]
            )
        )
    )
    thread.start()
    found = resolve_streams(timeout=20, name=outlet)
    assert len(found) == 1  # another program sees the decisions' outlet
    inlet = StreamInlet(found[0])
    inlet.open_stream(timeout=5)
    while thread.is_alive() or inlet.samples_available:
        labels, _ = inlet.pull_chunk(timeout=0.2)
        received.extend(row[0] for row in labels)
    thread.join()
    assert codes == [0]

    live = pd.read_csv(csv)
    assert len(live) == 48  # 800 samples (5 s): windows of 321 samples end at 320, ..., 790
    offset = live["file_sample"] - live["sample"]
    assert offset.nunique() == 1
    offset = int(offset.iloc[0])
    raw = standardize_channel_names(read_raw(FOLDER / "S001R12.edf"))
    data = raw.get_data(picks=model.ch_names)[:, offset : offset + 800] * 1e6
    offline = decide_run(
        model.pipeline,
        data,
        160.0,
        window=321 / 160,
        step=0.0625,
        l_freq=8.0,
        h_freq=30.0,
        filter_init="steady",
    )
    columns = ["sample", "time", "label", "proba_left", "proba_right"]
    pd.testing.assert_frame_equal(
        live[columns], offline[columns], check_dtype=False, check_exact=True
    )
    assert received and received == live["label"].tolist()[-len(received) :]
    assert (live["latency_ms"] >= 0).all()
    assert np.all(np.diff(live["lsl_time"]) > 0)


def test_replay_alignment_locates_the_first_chunk_received():
    from neuropipe.online.live import _locate

    data = np.random.default_rng(0).standard_normal((3, 500))
    assert _locate(data[:, 123:133], data) == 123
    assert _locate(data[:, 123:133] + 1.0, data) is None  # not in the file
    flat = np.zeros((3, 500))
    assert _locate(flat[:, :10], flat) is None  # ambiguous: no alignment rather than a guess
