"""Model persistence with skops: round trips of every pipeline file, refusal of untrusted types.

Every pipeline file in ``pipelines/``, ``pipelines/decoding/`` and ``pipelines/fmri/`` is
fitted on small data of its paradigm's shape (real EEGMMIDB epochs of 8 sensorimotor
channels, real flint2012 bins; synthetic filter-bank epochs and fMRI subjects), saved,
loaded with the default trust list and must predict exactly what the original predicts.
Searches (EmbeddingSearchCV, GridSearchCV) are shrunk to a few candidates: persistence
depends on the types in the fitted object, which a smaller search does not change.
"""

import ast
import importlib
import os
import zipfile
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.discriminant_analysis import LinearDiscriminantAnalysis
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import FunctionTransformer

from neuropipe import persistence
from neuropipe._validation import DataFileError
from neuropipe.benchmark.pipeline_files import load_pipeline_file
from neuropipe.features.spectral import PSD
from neuropipe.persistence import TRUSTED_TYPES, UntrustedTypesError, load, save, untrusted_types
from neuropipe.preprocessing import with_recording_info
from neuropipe.selection import R2Selector

ROOT = Path(__file__).resolve().parents[1]
PIPELINE_DIRS = [ROOT / "pipelines", ROOT / "pipelines" / "decoding", ROOT / "pipelines" / "fmri"]
PIPELINE_FILES = sorted(
    path
    for folder in PIPELINE_DIRS
    if folder.is_dir()
    for path in folder.glob("*.py")
    if not path.name.startswith("_")
)
MOTOR_CHANNELS = ["FC3", "FCz", "FC4", "C3", "Cz", "C4", "CP3", "CP4"]


@pytest.fixture(scope="module")
def eeg():
    from neuropipe.datasets import load_dataset

    return load_dataset("eegmmidb-leftright", subjects=[1], picks=MOTOR_CHANNELS)


def _filter_bank_epochs():
    rng = np.random.default_rng(0)
    y = np.tile(["13", "17", "21", "rest"], 6)
    t = np.arange(256) / 128.0
    X = rng.standard_normal((24, 4, 256, 3))
    for band, label in enumerate(("13", "17", "21")):
        X[y == label, :2, :, band] += 2 * np.sin(2 * np.pi * float(label) * t)
    return X, y


def _ssvep_epochs():
    """3-D epochs at 256 Hz with 13 / 17 / 21 Hz responses and rest (MOABB's SSVEP labels)."""
    rng = np.random.default_rng(0)
    y = np.tile(["13", "17", "21", "rest"], 8)
    t = np.arange(512) / 256.0
    X = rng.standard_normal((len(y), 4, 512))
    for label in ("13", "17", "21"):
        X[y == label, :2] += 2 * np.sin(2 * np.pi * float(label) * t)
    return X, y


def _decoding_bins():
    from neuropipe.datasets.decoding import load_flint2012

    data = load_flint2012()
    return data.X[:400], data.y[:400]


def _fmri_subjects():
    from neuropipe.datasets.abide import COVARIATES

    rng = np.random.default_rng(0)
    n_subjects, n_rois = 30, 200
    y = np.repeat([1, 2], n_subjects // 2)
    series = []
    for label in y:
        shared = rng.standard_normal((60, 1))
        x = rng.standard_normal((60, n_rois))
        x[:, : 10 * label] += shared  # a class-dependent cluster of correlated ROIs
        series.append(x)
    X = pd.DataFrame({"timeseries": series})
    for i, column in enumerate(COVARIATES):
        X[column] = rng.normal(20 + i, 1.0, n_subjects)
    X["SITE_ID"] = np.tile(["SITE_A", "SITE_B", "SITE_C"], n_subjects // 3)
    return X, y


def _data(config, eeg):
    """``(X, y, recording)``: data of the pipeline's paradigm, and its channel names and
    rate for :func:`~neuropipe.preprocessing.with_recording_info`."""
    paradigms = set(config["paradigms"])
    if "decoding" in paradigms:
        return (*_decoding_bins(), {})
    if "fmri" in paradigms:
        return (*_fmri_subjects(), {})
    if paradigms <= {"FilterBankSSVEP"}:
        return (*_filter_bank_epochs(), {"sfreq": 128.0})
    if paradigms <= {"SSVEP"}:
        return (*_ssvep_epochs(), {"sfreq": 256.0})
    return eeg.X, eeg.y, {"ch_names": eeg.ch_names, "sfreq": eeg.sfreq}


def _shrink_searches(pipeline):
    """Restrict order/lag and grid searches to a few candidates (same fitted types)."""
    params = {}
    for key, value in pipeline.get_params(deep=True).items():
        if key.endswith("orders"):
            params[key] = (1, 2)
        elif key.endswith("lags"):
            params[key] = (1,)
        elif key.endswith("param_grid") and isinstance(value, dict):
            params[key] = {name: list(values)[:1] for name, values in value.items()}
    return pipeline.set_params(**params)


def _outputs(model, X):
    out = {"predict": model.predict(X)}
    for method in ("predict_proba", "decision_function"):
        if hasattr(model, method):
            out[method] = getattr(model, method)(X)
    return out


def _configs():
    """One case per pipeline; the fMRI ones (200-ROI connectomes) take a few seconds."""
    for path in PIPELINE_FILES:
        for index, config in enumerate(load_pipeline_file(path)):
            marks = [pytest.mark.slow] if "fmri" in config["paradigms"] else []
            label = f"{path.parent.name}/{path.stem}:{config['name']}"
            yield pytest.param(path, index, id=label, marks=marks)


@pytest.mark.parametrize(("path", "index"), list(_configs()))
def test_pipeline_file_round_trip(path, index, eeg, tmp_path):
    config = load_pipeline_file(path)[index]
    X, y, recording = _data(config, eeg)
    n_train = int(0.7 * len(y))
    take = (lambda a, idx: a.iloc[idx]) if isinstance(X, pd.DataFrame) else (lambda a, i: a[i])
    pipeline = with_recording_info(_shrink_searches(config["pipeline"]), **recording)
    fitted = pipeline.fit(take(X, slice(0, n_train)), y[:n_train])
    X_test = take(X, slice(n_train, None))
    target = tmp_path / "model.skops"
    save(fitted, target)
    assert untrusted_types(target) == []
    loaded = load(target)
    assert type(loaded) is type(fitted)
    expected, got = _outputs(fitted, X_test), _outputs(loaded, X_test)
    assert expected.keys() == got.keys()
    for method, values in expected.items():
        np.testing.assert_array_equal(got[method], values, err_msg=method)


def test_every_pipeline_directory_is_covered():
    found = {p.parent.name for p in PIPELINE_FILES}
    assert {"pipelines", "decoding"} <= found


@pytest.mark.parametrize("name", sorted(set(TRUSTED_TYPES) - set(persistence.LEGACY_TYPES)))
def test_trusted_names_resolve(name):
    module, _, attr = name.rpartition(".")
    obj = getattr(importlib.import_module(module), attr)
    assert f"{obj.__module__}.{obj.__qualname__}" == name


class Shady(TransformerMixin, BaseEstimator):
    """A type nobody reviewed: it must not load without being trusted explicitly."""

    def fit(self, X, y=None):
        self.fitted_ = True
        return self

    def transform(self, X):
        return X


def _epochs():
    rng = np.random.default_rng(1)
    X = rng.standard_normal((20, 3, 160))
    y = np.repeat([0, 1], 10)
    X[y == 1, 0] *= 2.0
    return X, y


def test_untrusted_type_is_refused_and_can_be_trusted(tmp_path):
    X, y = _epochs()
    pipe = make_pipeline(
        PSD(160.0, method="welch", fmin=8, fmax=30),
        Shady(),
        R2Selector(k=3),
        LinearDiscriminantAnalysis(),
    ).fit(X, y)
    name = f"{Shady.__module__}.Shady"
    path = tmp_path / "model.skops"
    with pytest.warns(UserWarning, match="refuses by default"):
        save(pipe, path)
    assert untrusted_types(path) == [name]
    with pytest.raises(UntrustedTypesError, match="not trusted") as info:
        load(path)
    message = str(info.value)
    assert name in message and "trusted=" in message and "--trust" in message
    assert info.value.types == [name]
    assert isinstance(info.value, TypeError)
    np.testing.assert_array_equal(load(path, trusted=[name]).predict(X), pipe.predict(X))
    np.testing.assert_array_equal(load(path, trusted=[Shady]).predict(X), pipe.predict(X))


def test_code_running_callable_is_refused(tmp_path):
    # A file can name any function; os.system must never be rebuilt by default.
    path = tmp_path / "evil.skops"
    with pytest.warns(UserWarning):
        save(FunctionTransformer(os.system), path)
    refused = untrusted_types(path)
    assert refused and all("system" in t for t in refused)
    with pytest.raises(UntrustedTypesError, match="system"):
        load(path)


def test_trusting_everything_is_not_an_option(tmp_path):
    X, y = _epochs()
    path = save(make_pipeline(PSD(160.0, method="welch"), FunctionTransformer()), tmp_path / "m")
    with pytest.raises(TypeError, match="not a bool"):
        load(path, trusted=True)
    for bad in ([3], 3):
        with pytest.raises(TypeError, match="type names"):
            load(path, trusted=bad)


def test_damaged_files_give_clear_errors(tmp_path):
    X, y = _epochs()
    good = save(make_pipeline(PSD(160.0, method="welch"), FunctionTransformer()), tmp_path / "g")
    data = good.read_bytes()
    cases = {
        "empty": b"",
        "truncated": data[: len(data) // 2],
        "random": np.random.default_rng(0).bytes(2000),
        "pickle": b"\x80\x04\x95" + data[3:200],
    }
    for label, content in cases.items():
        path = tmp_path / f"{label}.skops"
        path.write_bytes(content)
        with pytest.raises(DataFileError, match="not a readable skops model file"):
            load(path)
    with zipfile.ZipFile(tmp_path / "noschema.skops", "w") as archive:
        archive.writestr("other.txt", "x")
    with pytest.raises(DataFileError):
        load(tmp_path / "noschema.skops")
    with pytest.raises(FileNotFoundError, match="not found"):
        load(tmp_path / "missing.skops")
    with pytest.raises(TypeError, match="file path"):
        load(42)


def test_save_is_atomic_and_checks_the_folder(tmp_path):
    X, y = _epochs()
    pipe = make_pipeline(PSD(160.0, method="welch"), FunctionTransformer()).fit(X, y)
    path = save(pipe, tmp_path / "model.skops")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["model.skops"]
    np.testing.assert_array_equal(load(path).transform(X), pipe.transform(X))
    with pytest.raises(FileNotFoundError, match="does not exist"):
        save(pipe, tmp_path / "no" / "such" / "model.skops")


def test_save_to_a_folder_fails_cleanly(tmp_path, monkeypatch):  # issue 16: fit -o DIR
    X, y = _epochs()
    pipe = make_pipeline(PSD(160.0, method="welch"), FunctionTransformer()).fit(X, y)
    (tmp_path / "models").mkdir()
    with pytest.raises(IsADirectoryError, match="it is a folder; give a file name"):
        save(pipe, tmp_path / "models")
    assert [p.name for p in tmp_path.iterdir()] == ["models"]  # no stray .part file
    (tmp_path / "file").write_text("x")
    with pytest.raises(NotADirectoryError, match="is a file, not a folder"):
        persistence.check_output_file(tmp_path / "file" / "model.skops")

    def broken_replace(src, dst):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(persistence.os, "replace", broken_replace)
    with pytest.raises(OSError, match="No space left"):
        save(pipe, tmp_path / "model.skops")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["file", "models"]


@pytest.mark.skipif(os.name != "posix" or os.geteuid() == 0, reason="root may write anywhere")
def test_read_only_folder_is_refused_before_writing(tmp_path):
    folder = tmp_path / "ro"
    folder.mkdir()
    folder.chmod(0o500)
    try:
        with pytest.raises(PermissionError, match="permission denied"):
            persistence.check_output_file(folder / "model.skops")
    finally:
        folder.chmod(0o700)


def _pickle_uses(tree):
    """Calls and imports that could unpickle data: the rule is 'none in the package'."""
    found = []
    for node in ast.walk(tree):
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            names = [a.name for a in node.names] + [getattr(node, "module", None) or ""]
            found += [n for n in names if n.split(".")[0] in ("pickle", "dill", "cloudpickle")]
        elif isinstance(node, ast.Call):
            func = ast.unparse(node.func)
            if func.endswith(("joblib.load", "read_pickle", "torch.load")):
                found.append(func)
            for kw in node.keywords:
                if kw.arg == "allow_pickle" and ast.unparse(kw.value) != "False":
                    found.append(f"{func}(allow_pickle=...)")
    return found


def test_no_pickle_in_the_package():
    offenders = {}
    for source in (ROOT / "neuropipe").rglob("*.py"):
        uses = _pickle_uses(ast.parse(source.read_text()))
        if uses:
            offenders[str(source.relative_to(ROOT))] = uses
    assert offenders == {}
    assert _pickle_uses(ast.parse("import pickle\nnp.load(f, allow_pickle=True)")) == [
        "pickle",
        "np.load(allow_pickle=...)",
    ]


def test_module_docstring_example_runs():
    import doctest

    failures, tried = doctest.testmod(persistence, verbose=False)
    assert tried > 0 and failures == 0


def test_a_model_saved_before_the_public_paths_still_loads():
    """Last month's model: CAR + log band power + sLDA fitted on EEGMMIDB S001's first 30
    epochs and saved at a6fbdc8, when skops recorded neuropipe.features.spectral.BandPower.
    It loads without trust arguments and gives the probabilities it gave then."""
    from neuropipe.datasets import load_dataset

    here = Path(__file__).parent / "data"
    path = here / "car_logbp_slda_a6fbdc8.skops"
    assert "neuropipe.features.spectral.BandPower" in sio_types(path)
    model = load(path)
    epochs = load_dataset("eegmmidb-leftright", subjects=[1])
    expected = np.loadtxt(here / "car_logbp_slda_a6fbdc8_proba.txt")
    np.testing.assert_allclose(model.predict_proba(epochs.X[30:]), expected, rtol=1e-9)


def test_legacy_names_are_the_defining_modules_of_trusted_classes():
    assert "neuropipe.features.spectral.BandPower" in persistence.LEGACY_TYPES
    assert "neuropipe.decoders.kalman.KalmanFilterRegressor" in persistence.LEGACY_TYPES
    for name in persistence.LEGACY_TYPES:
        module, _, attr = name.rpartition(".")
        obj = getattr(importlib.import_module(module), attr)
        assert f"{obj.__module__}.{obj.__qualname__}" in TRUSTED_TYPES
        assert not module.endswith(("neuropipe.features", "neuropipe.decoders"))


def sio_types(path):
    import skops.io as sio

    return sio.get_untrusted_types(file=path)
