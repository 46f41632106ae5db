"""Issue 28 leftovers: bad channels of mne.Epochs, text in an ABIDE phenotype column, a full
disk while saving a model; each on the bundled real data."""

import errno
import os
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from neuropipe import cli, persistence
from neuropipe.benchmark.pipeline_files import load_pipelines
from neuropipe.datasets import default_pipelines_dir, load_dataset
from neuropipe.datasets.abide import DEFAULT_PATH, PHENOTYPE_FILE, load_abide
from neuropipe.features.spectral import PSD


@pytest.fixture(scope="module")
def s001():
    """EEGMMIDB S001 left / right imagery (runs 4, 8, 12 of the bundled EDFs) as mne.Epochs."""
    data = load_dataset("eegmmidb-leftright", subjects=[1])
    return data.to_mne(), data.y


@pytest.fixture(scope="module")
def car_logbp():
    (config,) = [
        c for c in load_pipelines(default_pipelines_dir()) if c["name"].startswith("CAR+logBP")
    ]
    return config["pipeline"]


def test_bad_channels_of_epochs_are_refused_at_fit_and_predict(s001, car_logbp):
    from sklearn.base import clone

    epochs, y = s001
    marked = epochs.copy()
    marked.info["bads"] = ["C3", "Cz"]
    bad = r"\['C3', 'Cz'\] of the mne.Epochs are marked bad .*epochs.drop_channels"
    with pytest.raises(ValueError, match=bad):
        clone(car_logbp).fit(marked, y)
    with pytest.raises(ValueError, match=bad):  # an estimator given Epochs directly
        PSD(fmin=8, fmax=30).fit(marked)
    with pytest.raises(ValueError, match=bad):  # the list cross-validation makes of them
        PSD(fmin=8, fmax=30).fit([marked[i] for i in range(3)])
    fitted = clone(car_logbp).fit(epochs, y)
    with pytest.raises(ValueError, match=bad):  # a channel marked bad after calibration
        fitted.predict(marked)

    # the fix of the message, dropping: the model records and checks the channels it used
    dropped = marked.copy().drop_channels(marked.info["bads"])
    model = clone(car_logbp).fit(dropped, y)
    assert model[0].ch_names_ == dropped.ch_names and len(model[0].ch_names_) == 62
    assert "C3" not in model[0].ch_names_
    assert model.score(dropped, y) > 0.6
    with pytest.raises(ValueError, match=r"unexpected \['C3', 'Cz'\]"):
        model.predict(epochs)  # the full montage again: refused, not silently mapped


def test_interpolated_bad_channels_are_used(s001, car_logbp):
    from sklearn.base import clone

    epochs, y = s001
    marked = epochs.copy().set_montage("standard_1005")
    marked.info["bads"] = ["C3"]
    fixed = marked.copy().interpolate_bads(reset_bads=True, verbose="ERROR")
    assert fixed.info["bads"] == []
    c3 = epochs.ch_names.index("C3")
    assert not np.allclose(fixed.get_data(picks=[c3]), epochs.get_data(picks=[c3]))
    model = clone(car_logbp).fit(fixed, y)
    assert model[0].ch_names_ == epochs.ch_names  # the full montage, C3 interpolated
    assert model.predict(epochs).shape == (len(epochs),)


def _abide_copy(tmp_path, edit=None):
    """The bundled ABIDE manifest and phenotype table in ``tmp_path`` (time series read in
    place), with ``edit(table)`` applied to the phenotype table."""
    manifest = pd.read_csv(DEFAULT_PATH / "manifest.csv")
    manifest["file"] = [str(DEFAULT_PATH / f) for f in manifest["file"]]
    manifest.to_csv(tmp_path / "manifest.csv", index=False)
    table = pd.read_csv(DEFAULT_PATH / PHENOTYPE_FILE, dtype=str, keep_default_na=False)
    if edit is not None:
        edit(table)
    table.to_csv(tmp_path / PHENOTYPE_FILE, index=False)
    return tmp_path


def test_text_in_a_phenotype_column_is_named_at_load(tmp_path):
    subject = "OHSU_0050142"

    def edit(table):
        table.loc[table["FILE_ID"] == subject, "AGE_AT_SCAN"] = "twelve"

    folder = _abide_copy(tmp_path, edit)
    lines = (folder / PHENOTYPE_FILE).read_text().splitlines()
    (line,) = [i + 1 for i, text in enumerate(lines) if subject in text]
    with pytest.raises(ValueError) as info:
        load_abide(folder, sites=["OHSU"])
    message = str(info.value)
    assert message == (
        f"{str(folder / PHENOTYPE_FILE)!r}: phenotype column 'AGE_AT_SCAN' holds text where "
        f"numbers belong ('twelve' in the row of subject {subject}, line {line}, 1 row(s) in "
        f"all); correct the value in the file (leave a missing value empty)."
    )
    assert "twelve" in lines[line - 1]  # the line named holds the value


def test_a_corrected_or_empty_phenotype_cell_loads(tmp_path):
    subject = "OHSU_0050142"

    def edit(table):  # an empty field: a missing value, imputed by the pipelines
        table.loc[table["FILE_ID"] == subject, "AGE_AT_SCAN"] = ""

    copy = load_abide(_abide_copy(tmp_path, edit), sites=["OHSU"])
    bundled = load_abide(sites=["OHSU"])
    assert np.isnan(copy.X.loc[subject, "AGE_AT_SCAN"])
    same = copy.X.drop(index=subject)[["AGE_AT_SCAN", "SEX", "func_mean_fd"]]
    pd.testing.assert_frame_equal(same, bundled.X.drop(index=subject)[list(same.columns)])


def test_full_disk_while_saving_a_model_names_the_file(tmp_path, monkeypatch):
    def full(self, data):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(Path, "write_bytes", full)
    target = tmp_path / "model.skops"
    with pytest.raises(OSError, match="No space left on device") as info:
        persistence.save({"weights": np.arange(3.0)}, target)
    assert info.value.errno == errno.ENOSPC and info.value.filename == str(target)
    assert list(tmp_path.iterdir()) == []  # no .part file left
    assert cli._one_line(info.value) == (
        f"No space left on device: {str(target)!r}; check the path and the disk"
    )
