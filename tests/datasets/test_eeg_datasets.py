import numpy as np
import pytest

from neuropipe.datasets import EEGMMIDBLeftRight, get_dataset, list_datasets, load_dataset

# Trial counts from data/eegmmidb/PROVENANCE.md (T1 = left, T2 = right)
LEFT_RIGHT = {1: (23, 22), 2: (23, 22), 3: (23, 22), 4: (23, 22), 5: (21, 24), 6: (24, 21)}


@pytest.mark.parametrize("subject", sorted(LEFT_RIGHT))
def test_eegmmidb_left_right_counts(subject):
    ep = load_dataset("eegmmidb-leftright", subjects=[subject])
    left, right = LEFT_RIGHT[subject]
    assert np.sum(ep.y == "left_hand") == left
    assert np.sum(ep.y == "right_hand") == right
    # MOABB's default epochs of PhysionetMI + LeftRightImagery: 0-3 s at 160 Hz
    assert ep.X.shape == (45, 64, 481) and ep.tmin == 0.0
    assert sorted(ep.metadata["run"].unique()) == ["R04", "R08", "R12"]
    assert set(ep.metadata["subject"]) == {subject}


def test_eegmmidb_epochings_moabb_default_and_short():
    dataset = EEGMMIDBLeftRight()
    moabb = dataset.load(subjects=[1])
    short = dataset.load(subjects=[1], epoching="short")
    assert short.X.shape == (45, 64, 321) and short.tmin == 0.5
    assert (moabb.y == short.y).all()
    # an explicit keyword overrides the named epoching
    assert dataset.load(subjects=[1], epoching="short", tmax=1.5).X.shape == (45, 64, 161)
    # the 8-32 Hz band keeps more 30-32 Hz power than the 8-30 Hz one
    spectrum = np.abs(np.fft.rfft(moabb.X[:, :, 80:401], axis=-1)) ** 2
    freqs = np.fft.rfftfreq(321, 1 / 160.0)
    band = (freqs > 30.5) & (freqs < 32)
    short_spectrum = np.abs(np.fft.rfft(short.X, axis=-1)) ** 2
    assert spectrum[..., band].mean() > 2 * short_spectrum[..., band].mean()
    with pytest.raises(ValueError, match="Invalid value for the 'epoching' parameter"):
        dataset.load(subjects=[1], epoching="long")


def test_eegmmidb_hands_feet_s001_only():
    ep = load_dataset("eegmmidb-handsfeet")
    assert set(ep.metadata["subject"]) == {1}
    assert np.sum(ep.y == "hands") == 21 and np.sum(ep.y == "feet") == 24


def test_ssvep_exo_sessions_and_filter_bank():
    ep = load_dataset("ssvep-exo", subjects=[1, 7], paradigm="FilterBankSSVEP")
    counts = ep.metadata.groupby(["subject", "session"]).size()
    assert counts.tolist() == [32, 32, 32, 32]
    assert ep.X.shape == (128, 8, 513, 3)
    classes, per_class = np.unique(ep.y[ep.metadata["subject"] == 1], return_counts=True)
    assert classes.tolist() == ["13", "17", "21", "rest"] and per_class.tolist() == [16] * 4
    # the 13 Hz band carries more 13 Hz power in 13 Hz trials than in 21 Hz trials
    power = (ep.X[..., 0] ** 2).mean(axis=(1, 2))
    assert power[ep.y == "13"].mean() > power[ep.y == "21"].mean()


def test_user_folder_with_any_subjects(tmp_path):
    for subject in (2, 5):
        folder = tmp_path / f"S{subject:03d}"
        folder.mkdir()
        for run in (4, 8, 12):
            name = f"S{subject:03d}R{run:02d}.edf"
            (folder / name).symlink_to(EEGMMIDBLeftRight().path / f"S{subject:03d}" / name)
    dataset = get_dataset("eegmmidb-leftright", path=tmp_path)
    assert dataset.subjects == [2, 5]
    with pytest.raises(ValueError, match="Subjects \\[1\\] are not in"):
        dataset.load(subjects=[1])
    with pytest.raises(FileNotFoundError, match="does not exist"):
        get_dataset("eegmmidb-leftright", path=tmp_path / "nope")


def test_list_datasets_and_unknown_name():
    table = list_datasets()
    assert table.set_index("name").loc["eegmmidb-leftright", "subjects"] == 6
    assert table.set_index("name").loc["ssvep-exo", "subjects"] == 7
    with pytest.raises(ValueError, match="Invalid value for the 'name' parameter"):
        get_dataset("eegmmidb")
