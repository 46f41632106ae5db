import mne
import numpy as np
import pytest

from neuropipe._validation import DataFileError
from neuropipe.datasets import bundled_path
from neuropipe.io import EpochsData, read_epochs, read_raw, standardize_channel_names

EEGMMIDB = bundled_path("eegmmidb")
LR = {"T1": "left_hand", "T2": "right_hand"}


def _run(subject, run):
    return EEGMMIDB / f"S{subject:03d}" / f"S{subject:03d}R{run:02d}.edf"


def test_read_raw_standardizes_bci2000_names():
    raw = read_raw(_run(1, 4))
    assert raw.ch_names[8] == "C3.."
    standardize_channel_names(raw)
    assert raw.ch_names[:4] == ["FC5", "FC3", "FC1", "FCz"]
    assert {"C3", "Cz", "C4", "Fp1", "AFz", "Iz"} <= set(raw.ch_names)
    assert raw.get_montage() is not None


def test_read_epochs_one_run_counts_and_units():
    ep = read_epochs(_run(1, 4), LR, 0.5, 2.5)
    # R04 of S001 has 8 T1 and 7 T2 (PROVENANCE.md)
    assert np.sum(ep.y == "left_hand") == 8
    assert np.sum(ep.y == "right_hand") == 7
    assert ep.X.shape == (15, 64, 321)
    assert ep.sfreq == 160.0
    # microvolts: EEG amplitudes are tens of uV, not 1e-5 V
    assert 5 < np.std(ep.X) < 500
    assert list(ep.metadata["run"].unique()) == ["S001R04"]


def test_band_pass_removes_out_of_band_power():
    broad = read_epochs(_run(1, 4), LR, 0.5, 2.5)
    narrow = read_epochs(_run(1, 4), LR, 0.5, 2.5, l_freq=8.0, h_freq=30.0)
    freqs = np.fft.rfftfreq(321, 1 / 160.0)
    low = freqs < 3
    p_broad = np.abs(np.fft.rfft(broad.X, axis=-1)[..., low]).mean()
    p_narrow = np.abs(np.fft.rfft(narrow.X, axis=-1)[..., low]).mean()
    assert p_narrow < 0.1 * p_broad


def test_picks_order_and_unknown_channel():
    ep = read_epochs(_run(1, 4), LR, 0.5, 2.5, picks=["C4", "C3"])
    full = read_epochs(_run(1, 4), LR, 0.5, 2.5)
    assert ep.ch_names == ["C4", "C3"]
    np.testing.assert_allclose(ep.X[:, 1], full.X[:, full.ch_names.index("C3")])
    with pytest.raises(ValueError, match="Unknown channels \\['C99'\\]"):
        read_epochs(_run(1, 4), LR, 0.5, 2.5, picks=["C3", "C99"])


def test_bad_path_and_unknown_extension(tmp_path):
    with pytest.raises(FileNotFoundError, match="not found"):
        read_raw(tmp_path / "missing.edf")
    bad = tmp_path / "recording.xyz"
    bad.write_bytes(b"data")
    with pytest.raises(DataFileError, match="Unsupported EEG file type"):
        read_raw(bad)


@pytest.mark.parametrize("damage", ["truncate", "magic"])
def test_corrupt_edf_gives_clear_error(tmp_path, damage):
    content = _run(1, 4).read_bytes()
    content = content[:100] if damage == "truncate" else b"XXXXXXXX" + content[8:]
    bad = tmp_path / "broken.edf"
    bad.write_bytes(content)
    with pytest.raises(DataFileError, match="truncated or corrupt"):
        read_raw(bad)


def test_missing_events_are_named():
    with pytest.raises(DataFileError, match="None of the requested events \\['T7'\\]"):
        read_epochs(_run(1, 4), {"T7": "tongue"}, 0.5, 2.5)
    with pytest.raises(DataFileError, match="\\['T7'\\] are not in"):
        read_epochs(_run(1, 4), {"T1": "left", "T7": "tongue"}, 0.5, 2.5)
    with pytest.warns(RuntimeWarning, match="\\['T7'\\] are not in"):
        ep = read_epochs(_run(1, 4), {"T1": "left", "T7": "tongue"}, 0.5, 2.5, on_missing="warn")
    assert set(ep.y) == {"left"}


def test_window_errors_and_warnings():
    with pytest.raises(ValueError, match="'tmin' \\(2.5 s\\) must be lower"):
        read_epochs(_run(1, 4), LR, 2.5, 0.5)
    with pytest.raises(ValueError, match="falls outside"):
        read_epochs(_run(1, 4), LR, 500.0, 501.0)
    with pytest.raises(ValueError, match="Epochs overlap"):
        read_epochs(_run(1, 4), LR, 0.0, 12.0)
    with pytest.warns(RuntimeWarning, match="1 of 15 epochs"):
        overlapping = read_epochs(_run(1, 4), LR, 0.0, 12.0, allow_overlap=True)
    assert len(overlapping) == 14
    # the first task event is at 4.2 s: a window starting 5 s before it is cut
    with pytest.warns(RuntimeWarning, match="1 of 15 epochs .* were dropped"):
        ep = read_epochs(_run(1, 4), LR, -5.0, 0.0)
    assert len(ep) == 14


def test_stim_channel_fif_and_mne_round_trip(tmp_path):
    rng = np.random.default_rng(0)
    sfreq = 100.0
    data = rng.standard_normal((3, 2000)) * 1e-5
    stim = np.zeros((1, 2000))
    stim[0, [200, 700, 1200]] = [1, 2, 1]
    info = mne.create_info(["C3", "Cz", "C4", "STI"], sfreq, ["eeg"] * 3 + ["stim"])
    raw = mne.io.RawArray(np.vstack([data, stim]), info, verbose=False)
    path = tmp_path / "rec_raw.fif"
    raw.save(path, verbose=False)
    ep = read_epochs(path, {1: "a", 2: "b"}, 0.0, 1.0)
    assert ep.y.tolist() == ["a", "b", "a"]
    np.testing.assert_allclose(ep.X[1], data[:, 700:801] * 1e6)
    back = EpochsData.from_mne(ep.to_mne())
    np.testing.assert_allclose(back.X, ep.X)
    assert back.y.tolist() == ep.y.tolist()
    assert back.ch_names == ["C3", "Cz", "C4"]


def test_epochsdata_indexing_and_concatenate():
    ep = read_epochs(_run(1, 4), LR, 0.5, 2.5)
    sub = ep[ep.y == "left_hand"]
    assert len(sub) == 8 and set(sub.y) == {"left_hand"}
    both = EpochsData.concatenate([ep, sub])
    assert len(both) == 23
    with pytest.raises(ValueError, match="different order|do not match"):
        EpochsData.concatenate([ep, read_epochs(_run(1, 4), LR, 0.5, 2.5, picks=["C3", "C4"])])


def test_directory_named_like_a_file(tmp_path):
    """F15: a folder called rec.edf gives a DataFileError, not IsADirectoryError."""
    (tmp_path / "rec.edf").mkdir()
    with pytest.raises(DataFileError, match=r"rec.edf' is a directory, not an EEG file in EDF"):
        read_raw(tmp_path / "rec.edf")


@pytest.mark.parametrize("preload", [True, False])
@pytest.mark.parametrize("field", [104, 120])  # physical minimum, digital minimum
def test_nan_calibration_field(tmp_path, preload, field):
    """F17: 'nan' in a signal's header calibration field would make its samples NaN."""
    content = bytearray(_run(1, 4).read_bytes())
    offset = 256 + 65 * field + 8 * 2  # third signal, Fc1.
    content[offset : offset + 8] = b"nan     "
    (tmp_path / "r.edf").write_bytes(bytes(content))
    with pytest.raises(DataFileError, match=r"r.edf': the header's calibration .*\['Fc1.'\]"):
        read_raw(tmp_path / "r.edf", preload=preload)


def test_nan_samples_in_a_file(tmp_path):
    """F17: samples stored as NaN (a float format) are refused, naming the channel."""
    data = np.zeros((3, 500))
    data[1, 10] = np.nan
    info = mne.create_info(["C3", "Cz", "C4"], 100.0, "eeg")
    mne.io.RawArray(data, info, verbose=False).save(tmp_path / "nan_raw.fif", verbose=False)
    with pytest.raises(
        DataFileError, match=r"nan_raw.fif' holds NaN or infinite samples .*\['Cz'\]"
    ):
        read_raw(tmp_path / "nan_raw.fif")
    assert read_raw(tmp_path / "nan_raw.fif", preload=False).n_times == 500


@pytest.mark.parametrize(
    "band, match",
    [
        ((100.0, None), r"l_freq=100.0, h_freq=None .*'fmin' \(100.0 Hz\) must be lower"),
        ((None, 80.0), r"'fmax' \(80.0 Hz\) must be below the Nyquist"),
        ((8.0, 200.0), r"'fmax' \(200.0 Hz\) is above the Nyquist frequency \(80.0 Hz\)"),
        ((-1.0, None), r"'fmin' must be >= 0 Hz, got -1.0"),
        ((30.0, 8.0), r"'fmin' \(30.0 Hz\) must be lower than 'fmax' \(8.0 Hz\)"),
    ],
)
def test_band_edges_are_checked(band, match):
    """F21: edges at or above Nyquist get our error, not scipy's 'critical frequencies'."""
    with pytest.raises(ValueError, match=match):
        read_epochs(_run(1, 4), LR, 0.5, 2.5, l_freq=band[0], h_freq=band[1])
    with pytest.raises(ValueError, match=match):
        read_epochs(_run(1, 4), LR, 0.5, 2.5, filter_bank=[(8.0, 12.0), band])


def test_filter_bank_band_must_be_a_pair():
    with pytest.raises(ValueError, match=r"band must be an \(l_freq, h_freq\) pair, got 5"):
        read_epochs(_run(1, 4), LR, 0.5, 2.5, filter_bank=[(8.0, 12.0), 5])


def test_zero_l_freq_without_h_freq_filters_nothing():
    unfiltered = read_epochs(_run(1, 4), LR, 0.5, 2.5)
    np.testing.assert_array_equal(read_epochs(_run(1, 4), LR, 0.5, 2.5, l_freq=0.0).X, unfiltered.X)


# --- damaged recordings (issue 16): warned about or refused, never read silently ---------

N_SIGNALS = 65  # 64 EEG channels and the annotation channel of EEGMMIDB's EDF files


def _header_field(content, field, signal):
    """Byte offset of a signal's 8-byte numeric header field (104 physical min ... 128)."""
    return 256 + N_SIGNALS * field + 8 * signal


def test_clean_bundled_files_read_without_warning():
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for subject in range(1, 7):
            read_raw(_run(subject, 4), preload=False)


def test_truncated_edf_warns_and_keeps_what_is_there(tmp_path):
    from neuropipe.io.eeg import RecordingWarning

    content = _run(1, 4).read_bytes()
    (tmp_path / "half.edf").write_bytes(content[: len(content) // 2])
    with pytest.warns(
        RecordingWarning,
        match=r"half.edf is truncated: .*declares 125 data "
        r"records \(125 s\) but the file holds 62 \(62 s\)",
    ) as record:
        ep = read_epochs(tmp_path / "half.edf", LR, 0.5, 2.5)
    # MNE's own reading warnings come through too, with the file name
    assert any("half.edf: MNE: Number of records" in str(w.message) for w in record)
    full = read_epochs(_run(1, 4), LR, 0.5, 2.5)
    assert len(ep) == 7 and len(full) == 15  # the 8 cues after 62 s are lost, not invented
    np.testing.assert_allclose(ep.X, full.X[:7])


def test_digital_min_equal_max_is_refused(tmp_path):
    content = bytearray(_run(1, 4).read_bytes())
    dmin, dmax = _header_field(content, 120, 3), _header_field(content, 128, 3)
    content[dmax : dmax + 8] = content[dmin : dmin + 8]  # Fcz.: -8092 .. -8092
    (tmp_path / "r.edf").write_bytes(bytes(content))
    # MNE would scale the channel by an arbitrary factor (about 16,000x too large)
    with pytest.raises(DataFileError, match=r"\['Fcz.'\] have digital minimum == digital max"):
        read_raw(tmp_path / "r.edf")
    with pytest.raises(DataFileError, match="digital minimum == digital maximum"):
        read_epochs(tmp_path / "r.edf", LR, 0.5, 2.5)


@pytest.mark.parametrize(("kind", "field"), [("digital", 120), ("physical", 104)])
def test_equal_limits_are_refused(tmp_path, kind, field):
    content = bytearray(_run(1, 4).read_bytes())
    low, high = _header_field(content, field, 5), _header_field(content, field + 8, 5)
    content[high : high + 8] = content[low : low + 8]
    (tmp_path / "r.edf").write_bytes(bytes(content))
    # MNE falls back to an arbitrary scale for such a channel instead of refusing it
    with pytest.raises(DataFileError, match=rf"\['Fc4.'\] have {kind} minimum == {kind} max"):
        read_raw(tmp_path / "r.edf")


def test_no_private_mne_attributes():  # issue 18: public API of MNE only
    import re
    from pathlib import Path

    import neuropipe.io.eeg as module

    source = Path(module.__file__).read_text()
    assert not re.findall(r"raw\._\w+|\._(?:cals|raw_extras|data)\b", source)
