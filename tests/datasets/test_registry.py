"""The one dataset registry: bundled datasets of every modality, a class of one's own,
user specs, and the table built from it."""

import numpy as np
import pytest

from neuropipe.datasets import (
    ABIDE,
    MOABB_PARADIGMS,
    Dataset,
    EEGDataset,
    Flint2012,
    MOABBDataset,
    Stevenson2011,
    TOMLDataset,
    dataset_modality,
    dataset_names,
    get_dataset,
    list_datasets,
    load_abide,
    load_flint2012,
    register_dataset,
    unregister_dataset,
)
from neuropipe.datasets.user import BIDSDataset, DatasetSpecError

BUNDLED = {
    "eegmmidb-leftright": "eeg",
    "eegmmidb-handsfeet": "eeg",
    "ssvep-exo": "eeg",
    "abide-pcp-cc200": "fmri",
    "flint2012": "decoding",
    "stevenson2011": "decoding",
}


class Tiny(Dataset):
    """Two subjects of constant features, labelled by subject."""

    name = "tiny-test"
    modality = "decoding"
    paradigms = ["decoding"]

    @property
    def subjects(self):
        return [1, 2]

    def load(self, subjects=None, paradigm=None, **kwargs):
        self.check_paradigm(paradigm)
        subjects = self.subjects if subjects is None else subjects
        return np.repeat(np.array(subjects, dtype=float), 3)


@pytest.fixture
def tiny():
    register_dataset(Tiny)
    yield Tiny
    unregister_dataset(Tiny.name)


def test_bundled_names_and_modalities_in_order():
    assert dataset_names() == list(BUNDLED)
    assert {name: dataset_modality(name) for name in BUNDLED} == BUNDLED
    assert dataset_names("fmri") == ["abide-pcp-cc200"]
    assert dataset_names("eeg") == ["eegmmidb-leftright", "eegmmidb-handsfeet", "ssvep-exo"]
    with pytest.raises(ValueError, match="Invalid value for the 'modality' parameter"):
        dataset_names("EEG")


def test_every_dataset_is_a_dataset():
    for name, modality in BUNDLED.items():
        dataset = get_dataset(name)
        assert isinstance(dataset, Dataset) and dataset.name == name
        assert dataset.modality == modality and dataset.path.is_dir()
    assert issubclass(EEGDataset, Dataset)
    assert all(issubclass(c, Dataset) for c in (MOABBDataset, BIDSDataset, TOMLDataset))
    assert get_dataset("flint2012").subjects == [1]
    assert get_dataset("abide-pcp-cc200").paradigms == ["fmri"]


def test_register_get_list_and_unregister(tiny):
    assert dataset_names()[-1] == "tiny-test" and dataset_names("decoding")[-1] == "tiny-test"
    assert dataset_modality("tiny-test") == "decoding"
    dataset = get_dataset("tiny-test")
    assert isinstance(dataset, Tiny) and dataset.path is None
    np.testing.assert_array_equal(dataset.load(subjects=[2]), [2.0, 2.0, 2.0])
    with pytest.raises(ValueError, match="'paradigm' parameter"):
        dataset.load(paradigm="fmri")
    row = list_datasets().set_index("name").loc["tiny-test"]
    assert (row["subjects"], row["status"], row["paradigms"]) == (2, "unverified", "decoding")
    unregister_dataset("tiny-test")
    assert "tiny-test" not in dataset_names()
    with pytest.raises(ValueError, match="Invalid value for the 'name' parameter"):
        get_dataset("tiny-test")
    register_dataset(Tiny)  # for the fixture's clean-up


def test_register_refuses_duplicates_and_incomplete_classes(tiny):
    class Again(Tiny):
        pass

    with pytest.raises(ValueError, match="'tiny-test' is registered already \\(Tiny\\)"):
        register_dataset(Again)
    with pytest.raises(ValueError, match="'flint2012' is registered already"):
        register_dataset(type("Other", (Flint2012,), {}))

    class Nameless(Tiny):
        name = ""

    with pytest.raises(ValueError, match='Nameless has no name .* name = "my-dataset"'):
        register_dataset(Nameless)

    class NoModality(Tiny):
        name, modality = "no-modality", ""

    with pytest.raises(ValueError, match='NoModality has no modality .* modality = "eeg"'):
        register_dataset(NoModality)
    with pytest.raises(TypeError, match="takes a class"):
        register_dataset(Tiny())
    assert dataset_names().count("tiny-test") == 1 and "no-modality" not in dataset_names()


def test_user_specs_are_eeg(tmp_path):
    spec = "docs/examples/eegmmidb_s001.toml"
    assert dataset_modality(spec) == "eeg" and dataset_modality("moabb:PhysionetMI") == "eeg"
    dataset = get_dataset(spec)
    assert isinstance(dataset, Dataset) and dataset.modality == "eeg" and dataset.path is None
    with pytest.raises(ValueError, match="names its own files: drop path"):
        get_dataset(spec, path=tmp_path)
    with pytest.raises(ValueError, match="Invalid value for the 'name' parameter"):
        dataset_modality("not-a-dataset")


def test_path_is_a_parameter_for_every_modality(tmp_path):
    flint = tmp_path / "flint"
    flint.mkdir()
    for name in ("x.csv", "z.csv"):
        (flint / name).symlink_to(get_dataset("flint2012").path / name)
    dataset = get_dataset("flint2012", path=flint)
    assert dataset.path == flint
    np.testing.assert_array_equal(dataset.load().X, load_flint2012().X)
    with pytest.raises(FileNotFoundError, match="lacks \\['m1_stevenson_2011.mat'\\]"):
        get_dataset("stevenson2011", path=flint).load()
    with pytest.raises(ValueError, match="one subject, 1"):
        Stevenson2011().load(subjects=[2])
    abide = get_dataset("abide-pcp-cc200", path=[ABIDE().path])
    assert abide.path == ABIDE().path and len(abide.subjects) == 249


def test_abide_load_is_load_abide_and_subjects_select():
    ohsu = load_abide(sites="OHSU")
    picked = ABIDE().load(subjects=list(ohsu.subjects[:3]), zero_rois="raise")
    assert picked.subjects.tolist() == ohsu.subjects[:3].tolist()
    assert all(np.array_equal(a, b) for a, b in zip(picked.timeseries, ohsu.timeseries[:3]))
    np.testing.assert_array_equal(picked.y, ohsu.y[:3])
    assert picked.X.index.tolist() == picked.subjects.tolist()
    with pytest.raises(ValueError, match="Subjects \\['NOPE_1'\\] are not in the ABIDE"):
        ABIDE().load(subjects=["NOPE_1"])


def test_toml_paradigm_must_be_a_moabb_paradigm(tmp_path):
    assert "LeftRightImagery" in MOABB_PARADIGMS and "fmri" not in MOABB_PARADIGMS
    spec = tmp_path / "a.toml"
    spec.write_text('paradigm = "fmri"\ninterval = [0.5, 2.5]\n[events]\nT1 = "left"\n')
    with pytest.raises(DatasetSpecError, match="\\['fmri'\\], which are not MOABB paradigm"):
        get_dataset(str(spec))
