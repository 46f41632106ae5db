"""Dataset specs, BIDS and EDF headers: refused up front or said, never lost (issue 28).

Item 2 (one up-front validation of a TOML / BIDS spec naming the field, unique subject
numbers), item 3 (BIDS: MNE's warnings kept, ``n/a`` onsets counted, ``channels.tsv`` bad
channels left out and logged, the channel-mismatch choice exposed) and item 4's loaders
half (EDF physical units and ranges). On the bundled EEGMMIDB EDF files and a BIDS copy of
them made with ``mne_bids.write_raw_bids`` in a temporary folder.
"""

import json
import shutil
import textwrap
import warnings

import numpy as np
import pandas as pd
import pytest

from neuropipe import cli
from neuropipe._validation import DataFileError
from neuropipe.datasets import BIDSDataset, bundled_path, get_dataset
from neuropipe.datasets.user import DatasetSpecError
from neuropipe.io.eeg import RecordingWarning, read_epochs, read_raw

EEGMMIDB = bundled_path("eegmmidb")
R04 = EEGMMIDB / "S001" / "S001R04.edf"
EVENTS = {"T1": "left_hand", "T2": "right_hand"}
HEAD = """\
paradigm = "LeftRightImagery"
interval = [0.0, 3.0]
[events]
T1 = "left_hand"
T2 = "right_hand"
"""


def _toml(folder, head=HEAD, subjects=None):
    subjects = subjects or {"1": [str(R04)]}
    lines = [head, "[subjects]"] + [f"{k} = {json.dumps(v)}" for k, v in subjects.items()]
    path = folder / "spec.toml"
    path.write_text("\n".join(lines) + "\n")
    return path


# --- item 2: dataset specs -------------------------------------------------------------


@pytest.mark.parametrize(
    "head, subjects, fragment",
    [
        (HEAD, {"1": [str(R04)], "S01": [str(R04)]}, "['1', 'S01'] all read as subject 1"),
        (HEAD.replace("[0.0, 3.0]", "[3.0, 0.0]"), None, "'interval' = [3.0, 0.0] is reversed"),
        (HEAD.replace("[0.0, 3.0]", '["a", 2]'), None, "'interval' must be [tmin, tmax] in s"),
        (HEAD + "", {"1": []}, "subject '1' must list file names"),
        (HEAD.replace('T2 = "right_hand"', 'T9 = "right_hand"'), None, "[events] ['T9'] occur"),
        (HEAD.replace("LeftRightImagery", "LeftRight"), None, "'paradigm' lists ['LeftRight']"),
        ("band = [30, 8]\n" + HEAD, None, "'band' = [30, 8] is reversed"),
        ('picks = "C3"\n' + HEAD, None, "'picks' must be a list of channel names"),
    ],
)
def test_toml_spec_is_refused_up_front_naming_the_field(tmp_path, head, subjects, fragment):
    path = _toml(tmp_path, head, subjects)
    with pytest.raises(DatasetSpecError) as info:
        get_dataset(str(path))
    assert fragment in str(info.value) and "spec.toml" in str(info.value)


def test_cli_reports_a_bad_spec_once_before_any_task(tmp_path, capsys):
    path = _toml(tmp_path, HEAD.replace("[0.0, 3.0]", "[3.0, 0.0]"))
    argv = ["benchmark", "--paradigms", "eeg", "--datasets", str(path), "--no-progress"]
    argv += ["--output", str(tmp_path / "out")]
    assert cli.main(argv) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "'interval' = [3.0, 0.0] is reversed" in err[0]
    assert "Unknown datasets" not in err[0] and "DatasetSpecError" not in err[0]
    assert not (tmp_path / "out" / "tasks").exists()  # no task ran


# --- item 4 (loaders): EDF physical units and ranges -------------------------------------


def _edf_copy(tmp_path, *, unit=None, physical=None, name="S001R04.edf"):
    """A copy of S001R04.edf with every EEG channel's unit or physical range rewritten."""
    data = bytearray(R04.read_bytes())
    n = int(data[252:256].decode())
    for i in range(n - 1):  # the last signal is the annotation channel
        if unit is not None:
            start = 256 + 96 * n + 8 * i
            data[start : start + 8] = unit.ljust(8).encode()
        if physical is not None:
            for offset, value in ((104, -physical), (112, physical)):
                start = 256 + offset * n + 8 * i
                data[start : start + 8] = f"{value:g}"[:8].ljust(8).encode()
    path = tmp_path / name
    path.write_bytes(bytes(data))
    return path


@pytest.mark.parametrize(
    "kwargs, fragment",
    [
        ({"unit": "V"}, "physical range of 1.62e+10 µV (-8092 to 8092, unit 'V')"),
        ({"unit": ""}, "a blank unit (read as volts)"),
        ({"physical": 9e7}, "physical range of 1.8e+08 µV"),
        ({"physical": 1e-4}, "physical range of 0.0002 µV"),
    ],
)
def test_absurd_physical_range_is_refused_by_every_loader(tmp_path, kwargs, fragment):
    path = _edf_copy(tmp_path, **kwargs)
    for load in (
        lambda: read_raw(path),
        lambda: read_epochs(path, EVENTS, 0.0, 3.0),
        lambda: get_dataset(str(_toml(tmp_path, subjects={"1": [str(path)]}))),
    ):
        with pytest.raises(DataFileError, match="outside the 1 µV to 1e\\+07 µV") as info:
            load()
        assert fragment in str(info.value)


def test_unit_that_is_not_a_voltage_warns(tmp_path):
    path = _edf_copy(tmp_path, unit="xyz")
    with pytest.warns(RecordingWarning, match=r"physical unit\(s\) \['xyz'\], not a voltage"):
        read_raw(path)


def test_the_same_range_in_millivolts_loads_the_same_samples(tmp_path):
    path = _edf_copy(tmp_path, unit="mV", physical=8.092)  # +-8092 uV written in mV
    with warnings.catch_warnings():
        warnings.simplefilter("error", RecordingWarning)
        np.testing.assert_allclose(read_raw(path).get_data(), read_raw(R04).get_data())


# --- item 3: BIDS ------------------------------------------------------------------------


@pytest.fixture(scope="module")
def bids_template(tmp_path_factory):
    import mne
    from mne_bids import BIDSPath, write_raw_bids

    root = tmp_path_factory.mktemp("bids") / "root"
    raw = mne.io.read_raw_edf(R04, verbose="ERROR")
    path = BIDSPath(subject="001", task="imagery", run=4, root=root, datatype="eeg")
    write_raw_bids(raw, path, verbose=False, overwrite=True)
    (root / "neuropipe.toml").write_text(HEAD)
    return root


@pytest.fixture
def bids_root(bids_template, tmp_path):
    return shutil.copytree(bids_template, tmp_path / "root")


def _sidecar(root, suffix, extension=".tsv"):
    return next((root / "sub-001" / "eeg").glob(f"*_{suffix}{extension}"))


def test_bids_copy_loads_without_warning(bids_root):
    with warnings.catch_warnings():
        warnings.simplefilter("error", RecordingWarning)
        data = BIDSDataset(bids_root).load()
    assert len(data) == 15 and len(data.ch_names) == 64


def test_bids_bad_channels_are_left_out_and_logged(bids_root, caplog):
    channels = _sidecar(bids_root, "channels")
    table = pd.read_csv(channels, sep="\t", dtype=str, keep_default_na=False)
    table.loc[table["name"].isin(["C3..", "C4.."]), "status"] = "bad"
    table.to_csv(channels, sep="\t", index=False)
    data = BIDSDataset(bids_root).load()
    assert len(data.ch_names) == 62 and "C3" not in data.ch_names and "C4" not in data.ch_names
    assert "marked bad in channels.tsv" in caplog.text and "'C3'" in caplog.text


def test_bids_na_onsets_are_counted(bids_root):
    events = _sidecar(bids_root, "events")
    table = pd.read_csv(events, sep="\t", dtype=str, keep_default_na=False)
    rows = table.index[table["trial_type"] == "T1"][:2]
    table.loc[rows, "onset"] = "n/a"
    table.to_csv(events, sep="\t", index=False)
    with pytest.warns(RecordingWarning, match=r"2 of 15 events have an 'n/a' onset .*\(T1 2\)"):
        data = BIDSDataset(bids_root).load()
    assert len(data) == 13


def test_bids_truncated_recording_warns(bids_root):
    edf = _sidecar(bids_root, "eeg", ".edf")
    edf.write_bytes(edf.read_bytes()[: edf.stat().st_size // 2])
    with pytest.warns(RecordingWarning, match="is truncated"):
        data = BIDSDataset(bids_root).load()
    assert 0 < len(data) < 15


def test_bids_channel_mismatch_names_the_choice(bids_root):
    channels = _sidecar(bids_root, "channels")
    table = pd.read_csv(channels, sep="\t", dtype=str, keep_default_na=False)
    table.loc[0, "name"] = "Renamed"
    table.to_csv(channels, sep="\t", index=False)
    with pytest.raises(DataFileError, match='Set on_ch_mismatch in neuropipe.toml .*"rename"'):
        BIDSDataset(bids_root).load()
    (bids_root / "neuropipe.toml").write_text('on_ch_mismatch = "rename"\n' + HEAD)
    assert "RENAMED" in BIDSDataset(bids_root).load().ch_names  # standardised names
    with pytest.raises(DatasetSpecError, match="'on_ch_mismatch' must be one of"):
        BIDSDataset(bids_root, on_ch_mismatch="fix")


def test_bids_spec_errors_are_up_front(bids_root):
    shutil.copytree(bids_root / "sub-001", bids_root / "sub-1")
    for old in (bids_root / "sub-1").rglob("sub-001*"):
        old.rename(old.with_name(old.name.replace("sub-001", "sub-1")))
    with pytest.raises(DatasetSpecError, match=r"\['001', '1'\] all read as subject 1"):
        BIDSDataset(bids_root)
    shutil.rmtree(bids_root / "sub-1")
    (bids_root / "neuropipe.toml").write_text(HEAD.replace("T2 =", "T7 ="))
    with pytest.raises(DatasetSpecError, match=r"\[events\] \['T7'\] occur in none"):
        BIDSDataset(bids_root)
    (bids_root / "neuropipe.toml").write_text(textwrap.dedent(HEAD).replace("[0.0, 3.0]", "3"))
    with pytest.raises(DatasetSpecError, match="'interval' must be"):
        BIDSDataset(bids_root)


def test_bids_recording_cut_inside_its_header_is_a_data_file_error(bids_root):
    edf = _sidecar(bids_root, "eeg", ".edf")
    edf.write_bytes(edf.read_bytes()[:3000])  # found by tests/test_fuzz.py (F24)
    with pytest.raises(DataFileError, match="truncated or corrupt"):
        BIDSDataset(bids_root).load()
