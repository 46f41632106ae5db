"""The ``neuropipe`` command: one error policy, validated pipeline files, a quiet console.

Every test runs the command in-process through ``cli.main(argv)``. Expected errors must
come out as one line on stderr (``neuropipe: error: <problem>; <fix>``) with exit code 2,
never as a traceback; exit code 0 only when every requested task produced a result.
"""

import textwrap

import mne
import pandas as pd
import pytest

import neuropipe
from neuropipe import cli
from neuropipe._validation import DataFileError
from neuropipe.benchmark.cache import transformer_memory
from neuropipe.benchmark.pipeline_files import load_pipeline_file
from neuropipe.datasets import bundled_path

FAST = """
import numpy as np
from sklearn.discriminant_analysis import LinearDiscriminantAnalysis
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import FunctionTransformer


def _logvar(X):
    return np.log(np.var(X, axis=-1))


PIPELINE = {
    "name": "LV+LDA",
    "paradigms": ["MotorImagery"],
    "pipeline": make_pipeline(
        FunctionTransformer(_logvar), LinearDiscriminantAnalysis(solver="lsqr", shrinkage=0.5)
    ),
}
"""

CSP = """
from mne.decoding import CSP
from sklearn.discriminant_analysis import LinearDiscriminantAnalysis
from sklearn.pipeline import make_pipeline

PIPELINE = {
    "name": "CSP+LDA",
    "paradigms": ["MotorImagery"],
    "pipeline": make_pipeline(CSP(n_components=4), LinearDiscriminantAnalysis()),
}
"""

BROKEN = """
from sklearn.base import BaseEstimator, ClassifierMixin


class Broken(ClassifierMixin, BaseEstimator):
    def fit(self, X, y):
        raise RuntimeError("this pipeline always fails")


PIPELINE = {"name": "Broken", "paradigms": ["MotorImagery"], "pipeline": Broken()}
"""

BAD_FILES = {
    "exit.py": ("import sys\nsys.exit(0)\n", "sys.exit(0)"),
    "imports.py": ("import no_such_package_xyz\n", "No module named 'no_such_package_xyz'"),
    "raises.py": ("raise RuntimeError('boom at import')\n", "boom at import"),
    "string.py": (
        "from sklearn.dummy import DummyClassifier\n"
        "PIPELINE = {'name': 'x', 'paradigms': 'LeftRightImagery', 'pipeline': DummyClassifier()}",
        "must be a list of paradigm names",
    ),
    "none.py": (
        "from sklearn.dummy import DummyClassifier\n"
        "PIPELINE = {'name': 'x', 'paradigms': None, 'pipeline': DummyClassifier()}",
        "must be a list of paradigm names",
    ),
    "unknown.py": (
        "from sklearn.dummy import DummyClassifier\n"
        "PIPELINE = {'name': 'x', 'paradigms': ['LeftRight'], 'pipeline': DummyClassifier()}",
        "unknown paradigms ['LeftRight']",
    ),
    "name.py": (
        "from sklearn.dummy import DummyClassifier\n"
        "PIPELINE = {'name': 3, 'paradigms': ['SSVEP'], 'pipeline': DummyClassifier()}",
        "'name'] must be a non-empty string",
    ),
}

HANDSFEET = ["--datasets", "eegmmidb-handsfeet", "--subjects", "1", "--n-splits", "2"]


def _folder(tmp_path, name="pipes", **files):
    folder = tmp_path / name
    folder.mkdir()
    for file, text in files.items():
        (folder / file).write_text(textwrap.dedent(text))
    return folder


def _main(capsys, *argv):
    code = cli.main([str(a) for a in argv])
    out, err = capsys.readouterr()
    assert "Traceback" not in out + err
    return code, out, err


def _one_line_error(err: str, *fragments):
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith("neuropipe: error: "), err
    for fragment in fragments:
        assert fragment in lines[0], (fragment, lines[0])


# --- validated pipeline files ------------------------------------------------------------


@pytest.mark.parametrize("file", sorted(BAD_FILES))
def test_bad_pipeline_files_are_named_errors(tmp_path, capsys, file):
    text, message = BAD_FILES[file]
    folder = _folder(tmp_path, **{file: text})
    with pytest.raises((ValueError, DataFileError), match=None) as info:
        load_pipeline_file(folder / file)
    assert file in str(info.value) and message in str(info.value)
    code, out, err = _main(
        capsys,
        "benchmark",
        "--pipelines",
        folder,
        *HANDSFEET,
        "--output",
        tmp_path / "o",
        "--no-progress",
    )
    assert code == 2
    _one_line_error(err, file, message)


def test_paradigm_string_is_not_matched_by_substring(tmp_path):
    folder = _folder(tmp_path, **{"s.py": BAD_FILES["string.py"][0]})
    with pytest.raises(ValueError, match="got 'LeftRightImagery' \\(str\\)"):
        load_pipeline_file(folder / "s.py")


# --- one error policy --------------------------------------------------------------------


def test_usage_errors_are_one_line(tmp_path, capsys):
    for argv, fragment in [
        (["benchmark", "--n-jobs", "0"], "--n-jobs"),
        (["benchmark", "--n-splits", "1"], "--n-splits"),
        (["benchmark", "--protocol", "k-fold"], "--protocol"),
        (["benchmark", "--scheduler", "foo"], "Invalid Dask scheduler address 'foo'"),
        (["nonsense"], "invalid choice"),
        ([], "COMMAND"),
    ]:
        code, out, err = (
            _main(capsys, *argv, "--output", tmp_path / "o")
            if argv[:1] == ["benchmark"]
            else _main(capsys, *argv)
        )
        assert code == 2, argv
        _one_line_error(err, fragment)


def test_output_paths_are_checked_before_any_work(tmp_path, capsys, monkeypatch):
    monkeypatch.setattr(cli, "run_benchmark", pytest.fail)  # no work may start
    a_file = tmp_path / "file"
    a_file.write_text("x")
    for output, fragment in [(a_file, "is a file, not a folder"), (a_file / "sub", "")]:
        code, _, err = _main(capsys, "benchmark", "--output", output, "--paradigms", "eeg")
        assert code == 2
        _one_line_error(err, "--output", fragment)
    code, _, err = _main(capsys, "benchmark", "--output", "/proc/neuropipe-test", *HANDSFEET)
    assert code == 2
    _one_line_error(err, "cannot be written")


def test_unknown_dataset_and_subjects_are_clear(tmp_path, capsys):
    code, _, err = _main(capsys, "benchmark", "--datasets", "nope", "--output", tmp_path / "o")
    assert code == 2
    _one_line_error(err, "Unknown datasets ['nope']")
    code, _, err = _main(
        capsys,
        "benchmark",
        "--datasets",
        "eegmmidb-handsfeet",
        "--subjects",
        "99",
        "--output",
        tmp_path / "o",
    )
    assert code == 2
    _one_line_error(err, "Subjects [99] are in none")


def test_a_protocol_is_not_planned_where_it_is_not_valid(tmp_path, capsys):
    """MOABB's is_valid: EEGMMIDB has one session per subject, so cross-session plans no
    task there (at a6fbdc8 it planned 7 that all failed) and says why in one line."""
    ts_lr = neuropipe.__path__[0] + "/../pipelines/ts_lr.py"
    argv = ["benchmark", "--protocol", "cross-session", "--pipelines", ts_lr]
    code, _, err = _main(capsys, *argv, "--paradigms", "eeg", "--output", tmp_path / "o")
    assert code == 2
    _one_line_error(err, "cross-session protocol", "valid for none", "eegmmidb-leftright")


def test_missing_data_folder_is_one_line(tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("NEUROPIPE_DATA", str(tmp_path / "empty"))
    (tmp_path / "empty").mkdir()
    code, _, err = _main(capsys, "benchmark", *HANDSFEET, "--output", tmp_path / "o")
    assert code == 2
    _one_line_error(err, "empty")


def test_report_refuses_empty_garbage_and_foreign_results(tmp_path, capsys):
    folder = tmp_path / "res"
    folder.mkdir()
    for content, fragment in [
        (b"", "not a readable CSV table"),
        (bytes(range(256)) * 4, "not a readable CSV table"),
        (b"a,b\n1,2\n", "lacks the columns"),
        (pd.DataFrame(columns=cli_result_columns()).to_csv(index=False).encode(), "no result rows"),
    ]:
        (folder / "results.csv").write_bytes(content)
        code, _, err = _main(capsys, "report", folder, "-o", tmp_path / "r.html")
        assert code == 2
        _one_line_error(err, "results.csv", fragment)
    code, _, err = _main(capsys, "report", tmp_path / "nowhere", "-o", tmp_path / "r.html")
    assert code == 2
    _one_line_error(err, "not found")


def cli_result_columns():
    from neuropipe.evaluation.protocols import RESULT_COLUMNS

    return RESULT_COLUMNS


def test_fit_output_checked_before_fitting(tmp_path, capsys):
    pipes = _folder(tmp_path, **{"fast.py": FAST, "exit.py": BAD_FILES["exit.py"][0]})
    edf = bundled_path("eegmmidb") / "S001" / "S001R06.edf"
    fit = ["fit", "--data", edf, "--events", "T1=hands,T2=feet"]
    code, _, err = _main(capsys, *fit, "--pipeline", pipes / "fast.py", "-o", tmp_path)
    assert code == 2
    _one_line_error(err, "is a folder")
    code, _, err = _main(capsys, *fit, "--pipeline", pipes / "exit.py", "-o", tmp_path / "m")
    assert code == 2 and "sys.exit(0)" in err and len(err.strip().splitlines()) == 1
    assert not list(tmp_path.glob("m*"))


def test_debug_shows_the_traceback(tmp_path, capsys):
    with pytest.raises(ValueError, match="Unknown datasets"):
        cli.main(["benchmark", "--datasets", "nope", "--output", str(tmp_path), "--debug"])


def test_internal_error_is_one_line_with_code_3(tmp_path, capsys, monkeypatch):
    def bug(*args, **kwargs):
        raise KeyError("oops")

    monkeypatch.setattr(cli, "run_benchmark", bug)
    code, _, err = _main(capsys, "benchmark", *HANDSFEET, "--output", tmp_path / "o")
    assert code == 3
    _one_line_error(err, "internal error, KeyError", "--debug")


def test_exit_code_says_whether_every_task_produced_a_result(tmp_path, capsys):
    argv = [*HANDSFEET, "--no-progress", "--no-report"]
    good = _folder(tmp_path, "good", **{"fast.py": FAST})
    code, out, _ = _main(
        capsys, "benchmark", "--pipelines", good, *argv, "--output", tmp_path / "a"
    )
    assert code == 0 and "LV+LDA" in out
    mixed = _folder(tmp_path, "mixed", **{"fast.py": FAST, "broken.py": BROKEN})
    code, out, _ = _main(
        capsys, "benchmark", "--pipelines", mixed, *argv, "--output", tmp_path / "b"
    )
    assert code == 1 and "1 of 2 task(s) failed" in out
    assert pd.read_csv(tmp_path / "b" / "results.csv")["pipeline"].tolist() == ["LV+LDA"]
    broken = _folder(tmp_path, "broken", **{"broken.py": BROKEN})
    (tmp_path / "a" / "failures.csv").write_text("stale")
    code, out, err = _main(
        capsys, "benchmark", "--pipelines", broken, *argv, "--output", tmp_path / "a"
    )
    assert code == 1
    assert "every task failed (1 of 1)" in err and "No pipeline matched" not in out + err
    assert not (tmp_path / "a" / "results.csv").exists()  # no stale results left behind
    code, _, err = _main(
        capsys,
        "benchmark",
        "--pipelines",
        good,
        *argv,
        "--protocol",
        "cross-subject",
        "--output",
        tmp_path / "c",
    )
    assert code == 2
    _one_line_error(err, "cross-subject")


# --- console -----------------------------------------------------------------------------


def test_version(capsys):
    assert cli.main(["--version"]) == 0
    assert capsys.readouterr().out.strip() == f"neuropipe {neuropipe.__version__}"


def test_set_log_level_drives_mne():
    from neuropipe._logging import log_level_context

    previous = mne.set_log_level(return_old_level=True)
    try:
        neuropipe.set_log_level("INFO")
        assert neuropipe.get_log_level() == "INFO" and mne.utils.logger.level == 20
        with log_level_context("ERROR"):
            assert mne.utils.logger.level == 40 and neuropipe.get_log_level() == "ERROR"
        assert mne.utils.logger.level == 20
        neuropipe.set_log_level(30)
        assert neuropipe.get_log_level() == "WARNING"
        for bad in ["LOUD", None, 15]:
            with pytest.raises((ValueError, TypeError), match="'level'"):
                neuropipe.set_log_level(bad)
    finally:
        neuropipe.set_log_level("WARNING")
        mne.set_log_level(previous)


@pytest.mark.parametrize(
    "flags, level", [([], "WARNING"), (["-q"], "ERROR"), (["-v"], "INFO"), (["-vv"], "DEBUG")]
)
def test_verbose_and_quiet_set_the_level_of_the_tasks(tmp_path, monkeypatch, flags, level):
    seen = {}

    def fake(*args, **kwargs):
        seen["level"] = kwargs["log_level"]
        seen["mne"] = mne.utils.logger.level
        raise ValueError("stop here; fine")

    monkeypatch.setattr(cli, "run_benchmark", fake)
    assert cli.main(["benchmark", *HANDSFEET, "--output", str(tmp_path), *flags]) == 2
    assert seen == {"level": level, "mne": getattr(__import__("logging"), level)}
    assert cli.main([*flags, "benchmark", *HANDSFEET, "--output", str(tmp_path)]) == 2


def test_csp_pipelines_are_quiet_by_default(tmp_path, capfd):
    folder = _folder(tmp_path, **{"csp.py": CSP})
    argv = ["benchmark", "--pipelines", folder, *HANDSFEET, "--no-progress", "--no-report"]
    assert cli.main([str(a) for a in [*argv, "--output", tmp_path / "q"]]) == 0
    assert "Computing rank" not in "".join(capfd.readouterr())
    transformer_memory().clear(warn=False)  # CSP must fit again, not come from the cache
    assert cli.main([str(a) for a in [*argv, "--output", tmp_path / "v", "-v"]]) == 0
    assert "Computing rank" in "".join(capfd.readouterr())


@pytest.mark.parametrize(
    "datasets, families",
    [
        (["ssvep-exo"], {"eeg"}),
        (["flint2012"], {"decoding"}),
        (["abide-pcp-cc200"], {"fmri"}),
        (["flint2012", "eegmmidb-handsfeet"], {"eeg", "decoding"}),
    ],
)
def test_datasets_imply_their_family(tmp_path, capsys, monkeypatch, datasets, families):
    ran = set()

    def record(*args, plans=None, **kwargs):
        ran.update(family for family, tasks in plans.items() if tasks)
        raise ValueError("stop here; fine")

    # one runner for the three families: the tasks it is given say which families run
    monkeypatch.setattr(cli, "run_benchmark", record)
    code = cli.main(["benchmark", "--datasets", *datasets, "--output", str(tmp_path / "o")])
    assert code == 2
    assert ran == families
    capsys.readouterr()
    code, _, err = _main(
        capsys,
        "benchmark",
        "--datasets",
        "flint2012",
        "--paradigms",
        "eeg",
        "--output",
        tmp_path / "o",
    )
    assert code == 2
    _one_line_error(err, "decoding")


# --- issue 18: one runner and one results.csv for EEG, fMRI and decoding -------------------

@pytest.fixture
def family_folder(tmp_path, add_family_pipelines):
    return add_family_pipelines(_folder(tmp_path, **{"lv.py": FAST}))


@pytest.mark.slow
def test_three_families_one_results_csv_and_resume(family_folder, tmp_path, capsys):
    from neuropipe.benchmark import read_results
    from neuropipe.evaluation.protocols import RESULTS_SCHEMA

    folder, out = family_folder, tmp_path / "out"
    argv = [
        "benchmark", "--pipelines", folder, "--datasets", "eegmmidb-handsfeet", "flint2012",
        "abide-pcp-cc200", "--subjects", "1", "--n-splits", "2", "--fmri-protocols",
        "leave-site-out", "--no-progress", "--no-report", "--no-leakage", "--output", out,
    ]  # fmt: skip
    code, text, _ = _main(capsys, *argv)
    assert code == 0
    results = read_results(out / "results.csv")
    assert list(results.columns) == RESULTS_SCHEMA
    assert results.groupby("family")["pipeline"].unique().map(list).to_dict() == {
        "decoding": ["Ridge"],
        "eeg": ["LV+LDA"],
        "fmri": ["ROI-std+LR"],
    }
    assert not (out / "fmri.csv").exists() and not (out / "decoding.csv").exists()
    assert len(list((out / "tasks").glob("*.npz"))) == 3  # the report's arrays, per task
    assert "Continuous decoding" in text and "Resting-state fMRI" in text and "EEG" in text
    code, text, _ = _main(capsys, *argv, "--resume")
    assert code == 0 and "Resume: 3 task(s) reused, 0 recomputed" in text
    pd.testing.assert_frame_equal(read_results(out / "results.csv"), results)


def test_bad_fmri_protocol_is_a_one_line_error(family_folder, tmp_path, capsys):
    folder = family_folder
    code, _, err = _main(
        capsys, "benchmark", "--pipelines", folder, "--datasets", "abide-pcp-cc200",
        "--fmri-protocols", "kfold", "--output", tmp_path / "o",
    )  # fmt: skip
    assert code == 2
    _one_line_error(err, "kfold", "leave-site-out")
