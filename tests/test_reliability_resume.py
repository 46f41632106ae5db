"""Resume: a task is recomputed when anything its pipeline file loads changes (issue 28, 1).

A pipeline file built from another pipeline file (as three shipped fMRI files are), or from
a local module of the user's, kept its old score after that file changed: the fingerprint
covered the pipeline file alone. Run on one bundled EEGMMIDB subject, 2 folds.
"""

import textwrap

import numpy as np
import pandas as pd
import pytest

from neuropipe import cli
from neuropipe.benchmark import fingerprint, run_benchmark

BASE_FILE = """
import numpy as np
from sklearn.discriminant_analysis import LinearDiscriminantAnalysis
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import FunctionTransformer


def _logvar(X):
    return np.log(np.var(X, axis=-1))


PIPELINE = {{
    "name": "base",
    "paradigms": ["MotorImagery"],
    "pipeline": make_pipeline(
        FunctionTransformer(_logvar),
        LinearDiscriminantAnalysis(solver="lsqr", shrinkage={shrinkage}),
    ),
}}
"""

# built from the base file, as pipelines/fmri/tangent_combat_*.py are from theirs
DERIVED_FILE = """
from pathlib import Path

from sklearn.base import clone

from neuropipe.benchmark.pipeline_files import load_pipeline_file

_BASE = load_pipeline_file(Path(__file__).with_name("_base.py"))[0]
PIPELINE = {"name": "derived", "paradigms": ["MotorImagery"], "pipeline": clone(_BASE["pipeline"])}
"""

# built from a local module of the user's
MODULE_FILE = """
from sklearn.discriminant_analysis import LinearDiscriminantAnalysis
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import FunctionTransformer

import np_h3_settings

PIPELINE = {
    "name": "from-module",
    "paradigms": ["MotorImagery"],
    "pipeline": make_pipeline(
        FunctionTransformer(np_h3_settings.features),
        LinearDiscriminantAnalysis(solver="lsqr", shrinkage=np_h3_settings.SHRINKAGE),
    ),
}
"""

SETTINGS = """
import numpy as np

SHRINKAGE = {shrinkage}


def features(X):
    return np.log(np.var(X, axis=-1))
"""


def _benchmark(folder, output, *extra):
    argv = ["-q", "benchmark", "--pipelines", str(folder), "--datasets", "eegmmidb-handsfeet"]
    argv += ["--subjects", "1", "--n-splits", "2", "--output", str(output), "--no-leakage"]
    assert cli.main(argv + list(extra)) == 0
    return pd.read_csv(output / "results.csv").set_index("pipeline")["score"]


@pytest.mark.slow
def test_resume_recomputes_when_a_loaded_pipeline_file_changes(tmp_path, capsys):
    folder = tmp_path / "pipelines"
    folder.mkdir()
    (folder / "_base.py").write_text(textwrap.dedent(BASE_FILE.format(shrinkage=0.1)))
    (folder / "derived.py").write_text(textwrap.dedent(DERIVED_FILE))
    first = _benchmark(folder, tmp_path / "out")
    # unchanged: reused
    _benchmark(folder, tmp_path / "out", "--resume")
    assert "Resume: 1 task(s) reused, 0 recomputed" in capsys.readouterr().out
    # the file that derived.py loads changes, derived.py itself does not
    (folder / "_base.py").write_text(textwrap.dedent(BASE_FILE.format(shrinkage=0.9)))
    resumed = _benchmark(folder, tmp_path / "out", "--resume")
    out = capsys.readouterr().out
    assert "0 task(s) reused, 1 recomputed (1 stale (loads changed))" in out
    fresh = _benchmark(folder, tmp_path / "fresh")
    assert resumed["derived"] == fresh["derived"]  # the new setting's score...
    assert resumed["derived"] != first["derived"]  # ...not the old one


def test_resume_recomputes_when_an_imported_local_module_changes(tmp_path, monkeypatch):
    folder, lib = tmp_path / "pipelines", tmp_path / "lib"
    folder.mkdir()
    lib.mkdir()
    monkeypatch.syspath_prepend(str(lib))
    (lib / "np_h3_settings.py").write_text(textwrap.dedent(SETTINGS.format(shrinkage=0.1)))
    (folder / "module.py").write_text(textwrap.dedent(MODULE_FILE))

    def run(output, **kwargs):
        return run_benchmark(
            folder, datasets=["eegmmidb-handsfeet"], subjects=[1], n_splits=2,
            output=output, progress=False, **kwargs,
        )  # fmt: skip

    first = run(tmp_path / "out")
    (lib / "np_h3_settings.py").write_text(textwrap.dedent(SETTINGS.format(shrinkage=0.9)))
    resumed = run(tmp_path / "out", resume=True)
    report = resumed.attrs["resume"]
    assert report.reused == 0 and [s.split(": ")[1] for s in report.stale] == ["loads"]
    monkeypatch.delitem(__import__("sys").modules, "np_h3_settings")
    fresh = run(tmp_path / "fresh")
    np.testing.assert_allclose(resumed["score"], fresh["score"])
    assert not np.allclose(first["score"], resumed["score"])


def test_inputs_leave_out_installed_and_neuropipe_files(tmp_path):
    (tmp_path / "_base.py").write_text(textwrap.dedent(BASE_FILE.format(shrinkage=0.5)))
    (tmp_path / "derived.py").write_text(textwrap.dedent(DERIVED_FILE))
    configs, files = fingerprint.pipeline_file_inputs(tmp_path / "derived.py")
    assert [c["name"] for c in configs] == ["derived"]
    assert files == [(tmp_path / "derived.py").resolve(), (tmp_path / "_base.py").resolve()]


def test_shipped_fmri_files_fingerprint_the_file_they_build_on():
    from pathlib import Path

    folder = Path(fingerprint.__file__).resolve().parents[2] / "pipelines" / "fmri"
    _, files = fingerprint.pipeline_file_inputs(folder / "tangent_combat_zeroimpute_logreg.py")
    assert folder / "tangent_combat_logreg.py" in files
