"""A generated test of the ``neuropipe`` command (issue 16).

A seeded product of options x file layouts (pipeline folders, output folders, results
folders, data folders, model and recording files) is run in-process through
``cli.main(argv)``. Every case must hold three properties:

- no traceback, whatever the input (``--debug`` is never passed here);
- an expected error is one line on stderr, ``neuropipe: error: ...`` (``neuropipe fit:``
  / ``neuropipe predict:`` for the clinical commands), with exit code 2;
- exit code 0 only when every requested task produced a valid result: then
  ``results.csv`` holds exactly the requested pipelines, with the scores that an
  independent evaluation of the same folds gives (so a stale or foreign task file cannot
  pass), and no ``failures.csv``; exit code 1 when some task failed, with the failures
  listed and nothing stale left in ``results.csv``.

The expected exit code of each case is derived from its options and layouts by
:func:`_expected_code`, independently of the command. The cases that run tasks on the
real data (one subject of ``eegmmidb-handsfeet``, tiny log-variance + LDA pipelines, 2 or 3
folds) are marked slow; the others stop before any work and are fast.
"""

from __future__ import annotations

import hashlib
import json
import os
import random
import shutil
import textwrap
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from neuropipe import cli

SEED = 16
N_BENCHMARK_CASES = 200

FAST = """
import numpy as np
from sklearn.discriminant_analysis import LinearDiscriminantAnalysis
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import FunctionTransformer


def _logvar(X):
    return np.log(np.var(X, axis=-1))


PIPELINE = [
    {
        "name": name,
        "paradigms": PARADIGMS,
        "pipeline": make_pipeline(
            FunctionTransformer(_logvar),
            LinearDiscriminantAnalysis(solver="lsqr", shrinkage=shrinkage),
        ),
    }
    for name, shrinkage in NAMES
]
"""

BROKEN = """
from sklearn.base import BaseEstimator, ClassifierMixin


class Broken(ClassifierMixin, BaseEstimator):
    def fit(self, X, y):
        raise RuntimeError("this pipeline always fails")


PIPELINE = {"name": "Broken", "paradigms": ["MotorImagery"], "pipeline": Broken()}
"""

DUMMY = "from sklearn.dummy import DummyClassifier\n"


def _fast(names, paradigms=("MotorImagery",)):
    return f"NAMES = {list(names)!r}\nPARADIGMS = {list(paradigms)!r}\n" + textwrap.dedent(FAST)


GOOD = [("CSP+LDA", 0.1), ("CSP LDA", 0.9)]
NA = [("NA", 0.5), ("None", 0.3)]

#: Pipeline layouts: name -> (files, pipelines that succeed, pipelines that fail); files None
#: means the folder does not exist; "@file" passes the file itself, not its folder.
PIPELINE_LAYOUTS = {
    "good": ({"fast.py": _fast(GOOD)}, [n for n, _ in GOOD], []),
    "na-names": ({"na.py": _fast(NA)}, [n for n, _ in NA], []),
    "good+na": ({"a.py": _fast(GOOD), "b.py": _fast(NA)}, [n for n, _ in GOOD + NA], []),
    "file": ({"fast.py@file": _fast(GOOD)}, [n for n, _ in GOOD], []),
    "mixed": ({"fast.py": _fast(GOOD), "broken.py": BROKEN}, [n for n, _ in GOOD], ["Broken"]),
    "broken": ({"broken.py": BROKEN}, [], ["Broken"]),
    "sys-exit": ({"fast.py": _fast(GOOD), "exit.py": "import sys\nsys.exit(0)\n"}, None, None),
    "import-error": ({"imp.py": "import no_such_module_xyz\n"}, None, None),
    "raises": ({"r.py": "1 / 0\n"}, None, None),
    "syntax": ({"s.py": "PIPELINE = {\n"}, None, None),
    "paradigm-str": (
        {
            "p.py": DUMMY + "PIPELINE = {'name': 'x', 'paradigms': 'MotorImagery', "
            "'pipeline': DummyClassifier()}"
        },
        None,
        None,
    ),
    "paradigm-none": (
        {
            "p.py": DUMMY + "PIPELINE = {'name': 'x', 'paradigms': None, "
            "'pipeline': DummyClassifier()}"
        },
        None,
        None,
    ),
    "paradigm-unknown": (
        {
            "p.py": DUMMY + "PIPELINE = {'name': 'x', 'paradigms': ['Motor'], "
            "'pipeline': DummyClassifier()}"
        },
        None,
        None,
    ),
    "no-pipeline": ({"p.py": "X = 1\n"}, None, None),
    "not-estimator": (
        {"p.py": "PIPELINE = {'name': 'x', 'paradigms': ['MotorImagery'], 'pipeline': 3}"},
        None,
        None,
    ),
    "duplicate-names": ({"a.py": _fast(GOOD), "b.py": _fast(GOOD)}, None, None),
    "empty": ({}, None, None),
    "missing": (None, None, None),
    "unmatched": ({"fast.py": _fast(GOOD, ["SSVEP"])}, None, None),
}
LAYOUT_WEIGHTS = {
    "good": 8, "na-names": 5, "good+na": 3, "file": 3, "mixed": 4, "broken": 3,
}  # fmt: skip

OUTPUT_LAYOUTS = [
    "fresh", "existing-empty", "prefilled", "truncated", "header-only", "wrong-columns",
    "no-record", "stale-failures", "is-file", "under-file", "unwritable",
]  # fmt: skip
OUTPUT_WEIGHTS = {"fresh": 6, "prefilled": 3}
BAD_OUTPUTS = {"is-file", "under-file", "unwritable"}


def _pick(rng, values, weights=None):
    weights = weights or {}
    return rng.choices(list(values), [weights.get(v, 1) for v in values])[0]


def _generate_benchmark_cases(n=N_BENCHMARK_CASES, seed=SEED):
    rng = random.Random(seed)
    cases = []
    for index in range(n):
        case = {
            "id": index,
            "pipelines": _pick(rng, PIPELINE_LAYOUTS, LAYOUT_WEIGHTS),
            "output": _pick(rng, OUTPUT_LAYOUTS, OUTPUT_WEIGHTS),
            "n_splits": _pick(rng, ["2", "3", "1", "two"], {"2": 8, "3": 5}),
            "resume": rng.random() < 0.5,
            "n_jobs": _pick(rng, ["1", "0", "x", "-0"], {"1": 24}),
            "protocol": _pick(
                rng, ["within-session", "cross-session", "cross-subject"], {"within-session": 12}
            ),
            "scheduler": _pick(rng, [None, "foo", "tcp://", "http://x:1"], {None: 24}),
            "datasets": _pick(
                rng,
                ["eegmmidb-handsfeet", None, "nope", "eegmmidb-handsfeet nope", "flint2012"],
                {"eegmmidb-handsfeet": 18, None: 3},
            ),
            "subjects": _pick(rng, ["1", "99", "0", "one"], {"1": 20}),
            "console": _pick(rng, ["", "-q", "-v"], {"": 3}),
            "no_leakage": rng.random() < 0.3,
        }
        cases.append(case)
    return cases


def _expected_code(case) -> int:
    """The exit code the options and layouts call for (derived without the command)."""
    layout = PIPELINE_LAYOUTS[case["pipelines"]]
    if (
        case["n_splits"] not in ("2", "3")
        or case["n_jobs"] != "1"
        or case["scheduler"] is not None
        or case["subjects"] not in ("1",)
        or case["datasets"] not in ("eegmmidb-handsfeet", None)
        or case["output"] in BAD_OUTPUTS
        or case["protocol"] == "cross-subject"  # one subject: no task to run
        or case["protocol"] == "cross-session"  # one session: valid for no dataset
        or layout[1] is None  # the pipeline files are refused or match no dataset
    ):
        return 2
    if layout[2]:  # every task fails
        return 1
    return 0


def _argv(case, pipelines: Path, output: Path) -> list[str]:
    argv = ["benchmark", "--pipelines", str(pipelines), "--output", str(output)]
    if case["datasets"] is not None:
        argv += ["--datasets", *case["datasets"].split()]
    else:
        argv += ["--paradigms", "eeg"]  # all EEG datasets; the other families are slow
    argv += ["--subjects", case["subjects"], "--n-splits", case["n_splits"]]
    argv += ["--n-jobs", case["n_jobs"], "--protocol", case["protocol"]]
    if case["scheduler"] is not None:
        argv += ["--scheduler", case["scheduler"]]
    if case["resume"]:
        argv.append("--resume")
    if case["no_leakage"]:
        argv.append("--no-leakage")
    if case["console"]:
        argv.append(case["console"])
    return [*argv, "--no-progress", "--no-report"]


def _write_pipelines(root: Path, name: str) -> Path:
    files = PIPELINE_LAYOUTS[name][0]
    folder = root / f"pipelines-{name}"
    if files is None:
        return folder
    folder.mkdir(exist_ok=True)
    target = folder
    for file, text in files.items():
        path = folder / file.replace("@file", "")
        path.write_text(text)
        if file.endswith("@file"):
            target = path
    return target


def _damage(output: Path, kind: str) -> None:
    tasks = sorted((output / "tasks").glob("*.csv"))
    csv = tasks[0]
    text = csv.read_text()
    if kind == "truncated":
        csv.write_text(text[: len(text) // 2])
    elif kind == "header-only":
        csv.write_text(text.splitlines()[0] + "\n")
    elif kind == "wrong-columns":  # consistent checksum, foreign table
        csv.write_text("a,b\n1,2\n")
        meta = csv.with_suffix(".json")
        record = json.loads(meta.read_text())
        record["csv_sha256"] = hashlib.sha256(csv.read_bytes()).hexdigest()
        meta.write_text(json.dumps(record))
    elif kind == "no-record":
        csv.with_suffix(".json").unlink()
    elif kind == "stale-failures":
        (output / "failures.csv").write_text("dataset,pipeline,error\nx,CSP+LDA,old failure\n")
        (output / "results.csv").write_text("garbage\n")


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    """Pipeline folders, a prefilled output folder and the oracle's scores."""
    from neuropipe.benchmark.pipeline_files import load_pipeline_file
    from neuropipe.datasets import get_dataset
    from neuropipe.evaluation.protocols import evaluate_within_session

    root = tmp_path_factory.mktemp("generated")
    pipelines = {name: _write_pipelines(root, name) for name in PIPELINE_LAYOUTS}
    prefilled = root / "prefilled"
    code = cli.main(
        [
            "benchmark", "--pipelines", str(pipelines["good"]), "--output", str(prefilled),
            "--datasets", "eegmmidb-handsfeet", "--subjects", "1", "--n-splits", "2",
            "--no-progress", "--no-report",
        ]
    )  # fmt: skip
    assert code == 0
    data = get_dataset("eegmmidb-handsfeet").load(subjects=[1], paradigm="MotorImagery")
    configs = load_pipeline_file(pipelines["good"] / "fast.py") + load_pipeline_file(
        pipelines["na-names"] / "na.py"
    )
    oracle = {}
    for n_splits in (2, 3):
        table = evaluate_within_session(
            {c["name"]: c["pipeline"] for c in configs}, data, "eegmmidb-handsfeet",
            n_splits=n_splits, random_state=42,
        )  # fmt: skip
        oracle[n_splits] = dict(zip(table["pipeline"], table["score"]))
    return {"root": root, "pipelines": pipelines, "prefilled": prefilled, "oracle": oracle}


def _output(world, case, tmp_path: Path) -> Path:
    kind = case["output"]
    output = tmp_path / "out"
    if kind == "existing-empty":
        output.mkdir()
    elif kind == "is-file":
        output.write_text("a file")
    elif kind == "under-file":
        (tmp_path / "file").write_text("a file")
        output = tmp_path / "file" / "out"
    elif kind == "unwritable":
        output = Path("/proc/neuropipe-generated-test")
    elif kind != "fresh":
        shutil.copytree(world["prefilled"], output)
        if kind != "prefilled":
            _damage(output, kind)
    return output


def _check_one_line_error(err: str, prefixes=("neuropipe: error: ",)):
    lines = err.strip().splitlines()
    assert len(lines) == 1, f"expected one line on stderr, got:\n{err}"
    assert lines[0].startswith(prefixes), lines[0]


BENCHMARK_CASES = _generate_benchmark_cases()


def _param(case):
    marks = [pytest.mark.slow] if _expected_code(case) != 2 else []
    label = f"{case['id']:03d}-{case['pipelines']}-{case['output']}-rc{_expected_code(case)}"
    return pytest.param(case, id=label, marks=marks)


@pytest.mark.parametrize("case", [_param(c) for c in BENCHMARK_CASES])
def test_generated_benchmark(world, tmp_path, capsys, case):
    output = _output(world, case, tmp_path)
    pipelines = world["pipelines"][case["pipelines"]]
    had_results = (output / "results.csv").exists() if output.is_dir() else False
    code = cli.main(_argv(case, pipelines, output))
    out, err = capsys.readouterr()
    assert "Traceback" not in out + err
    expected = _expected_code(case)
    assert code == expected, f"exit code {code}, expected {expected}\n{out}\n{err}"
    ok_names, failing = PIPELINE_LAYOUTS[case["pipelines"]][1:]
    if code == 2:
        _check_one_line_error(err)
        if not had_results and output.is_dir():
            assert not (output / "results.csv").exists()
        return
    from neuropipe.benchmark import read_results

    if case["resume"]:
        assert "Resume: " in out
    failed = failing if case["protocol"] == "within-session" else ok_names + failing
    succeeded = [n for n in ok_names if n not in failed]
    if succeeded:
        results = read_results(output / "results.csv")
        assert sorted(results["pipeline"]) == sorted(succeeded)
        oracle = world["oracle"][int(case["n_splits"])]
        np.testing.assert_allclose(
            results.set_index("pipeline").loc[succeeded, "score"], [oracle[n] for n in succeeded]
        )
        summary = pd.read_csv(output / "summary.csv", keep_default_na=False)
        assert sorted(summary["pipeline"]) == sorted(succeeded)
    else:
        assert not (output / "results.csv").exists()
        assert "every task failed" in err
    if failed:
        assert code == 1
        listed = pd.read_csv(output / "failures.csv", keep_default_na=False)["pipeline"]
        assert sorted(listed) == sorted(failed)
    else:
        assert code == 0 and not (output / "failures.csv").exists()
    assert not [p for p in output.rglob("*.tmp")]


# --- report, datasets, fit and predict ---------------------------------------------------

REPORT_FOLDERS = [
    "valid", "na-names", "empty-csv", "garbage", "header-only", "wrong-columns",
    "text-scores", "missing", "is-file", "empty-folder",
]  # fmt: skip
REPORT_OUTPUTS = ["file", "is-dir", "under-file"]


def _results_folder(world, kind, tmp_path: Path) -> Path:
    folder = tmp_path / "res"
    if kind == "missing":
        return folder
    if kind == "is-file":
        folder.write_text("x")
        return folder
    folder.mkdir()
    if kind == "empty-folder":
        return folder
    table = pd.read_csv(world["prefilled"] / "results.csv")
    if kind == "na-names":
        table["pipeline"] = ["NA", "None"]
    content = {
        "empty-csv": "",
        "garbage": "\x00\x01\xff" * 50,
        "header-only": ",".join(table.columns) + "\n",
        "wrong-columns": "a,b\n1,2\n",
        "text-scores": table.assign(score="high").to_csv(index=False),
    }.get(kind, table.to_csv(index=False))
    (folder / "results.csv").write_text(content, encoding="latin-1")
    return folder


REPORT_CASES = [
    (folder, out, console)
    for folder in REPORT_FOLDERS
    for out in REPORT_OUTPUTS
    for console in ("", "-q")
]


def _report_param(case):
    folder, out, console = case
    ok = folder in ("valid", "na-names") and out == "file"
    return pytest.param(
        case, id="-".join(c or "plain" for c in case), marks=[pytest.mark.slow] if ok else []
    )


@pytest.mark.parametrize("case", [_report_param(c) for c in REPORT_CASES])
def test_generated_report(world, tmp_path, capsys, case):
    kind, out_kind, console = case
    folder = _results_folder(world, kind, tmp_path)
    target = {
        "file": tmp_path / "site" / "r.html",
        "is-dir": tmp_path,
        "under-file": tmp_path / "f" / "r.html",
    }[out_kind]
    if out_kind == "under-file":
        (tmp_path / "f").write_text("x")
    argv = ["report", str(folder), "-o", str(target), "--no-models"] + (
        [console] if console else []
    )
    code = cli.main(argv)
    out, err = capsys.readouterr()
    assert "Traceback" not in out + err
    if kind in ("valid", "na-names") and out_kind == "file":
        assert code == 0 and target.is_file()
        if kind == "na-names":
            assert ">NA<" in target.read_text() and ">None<" in target.read_text()
    else:
        assert code == 2
        _check_one_line_error(err)


DATA_LAYOUTS = ["unset", "empty", "nonexistent", "partial", "file"]
DATASETS_CASES = [(layout, console) for layout in DATA_LAYOUTS for console in ("", "-q", "-v")]


@pytest.mark.parametrize(
    "case", DATASETS_CASES, ids=["-".join(x or "plain" for x in c) for c in DATASETS_CASES]
)
def test_generated_datasets(tmp_path, capsys, monkeypatch, case):
    from neuropipe.datasets import bundled_path

    layout, console = case
    if layout != "unset":
        root = tmp_path / "data"
        if layout == "empty":
            root.mkdir()
        elif layout == "partial":
            root.mkdir()
            os.symlink(bundled_path("eegmmidb"), root / "eegmmidb")
        elif layout == "file":
            root.write_text("x")
        monkeypatch.setenv("NEUROPIPE_DATA", str(root))
    code = cli.main(["datasets"] + ([console] if console else []))
    out, err = capsys.readouterr()
    assert "Traceback" not in out + err
    assert code in (0, 2)
    if code == 2:
        _check_one_line_error(err)
    else:
        assert "eegmmidb-leftright" in out
    if layout in ("unset", "partial"):
        assert code == 0


def _clinical_cases(tmp: Path, world) -> dict:
    from neuropipe.datasets import bundled_path

    edf = bundled_path("eegmmidb") / "S001" / "S001R06.edf"
    good = world["pipelines"]["good"] / "fast.py"
    exit_file = world["pipelines"]["sys-exit"] / "exit.py"
    (tmp / "a-file").write_text("x")
    (tmp / "garbage.skops").write_bytes(b"\x00garbage" * 20)
    fit = ["fit", "--data", str(edf), "--events", "T1=hands,T2=feet"]
    return {
        "fit-output-dir": [*fit, "--pipeline", str(good), "-o", str(tmp)],
        "fit-output-under-file": [*fit, "--pipeline", str(good), "-o", str(tmp / "a-file" / "m")],
        "fit-sys-exit": [*fit, "--pipeline", str(exit_file), "-o", str(tmp / "m.skops")],
        "fit-missing-pipeline": [*fit, "--pipeline", str(tmp / "no.py"), "-o", str(tmp / "m")],
        "fit-missing-data": [
            "fit", "--data", str(tmp / "no.edf"), "--events", "T1=a,T2=b", "--pipeline",
            str(good), "-o", str(tmp / "m.skops"),
        ],
        "fit-bad-events": [
            "fit", "--data", str(edf), "--events", "T1", "--pipeline", str(good), "-o",
            str(tmp / "m.skops"),
        ],
        "fit-bad-band": [*fit, "--pipeline", str(good), "--l-freq", "x", "-o", str(tmp / "m")],
        "predict-missing-model": ["predict", "--model", str(tmp / "no.skops"), "--data", str(edf)],
        "predict-garbage-model": [
            "predict", "--model", str(tmp / "garbage.skops"), "--data", str(edf),
        ],
        "predict-output-dir": [
            "predict", "--model", str(tmp / "garbage.skops"), "--data", str(edf), "-o", str(tmp),
        ],
    }  # fmt: skip


CLINICAL_CASES = [
    "fit-output-dir", "fit-output-under-file", "fit-sys-exit", "fit-missing-pipeline",
    "fit-missing-data", "fit-bad-events", "fit-bad-band", "predict-missing-model",
    "predict-garbage-model", "predict-output-dir",
]  # fmt: skip


@pytest.mark.parametrize("name", CLINICAL_CASES)
def test_generated_fit_predict_errors(world, tmp_path, capsys, name):
    argv = _clinical_cases(tmp_path, world)[name]
    code = cli.main(argv)
    out, err = capsys.readouterr()
    assert "Traceback" not in out + err
    assert code == 2, err
    _check_one_line_error(
        err, ("neuropipe: error: ", "neuropipe fit: error: ", "neuropipe predict: error: ")
    )
    assert not [p for p in tmp_path.rglob("*.part")]


def test_the_generator_covers_every_family():
    """At least 200 benchmark cases, every layout and option value drawn, all exit codes."""
    cases = BENCHMARK_CASES
    assert len(cases) >= 200
    assert len(cases) + len(REPORT_CASES) + len(DATASETS_CASES) + len(CLINICAL_CASES) >= 270
    assert {c["pipelines"] for c in cases} == set(PIPELINE_LAYOUTS)
    assert {c["output"] for c in cases} == set(OUTPUT_LAYOUTS)
    assert {_expected_code(c) for c in cases} == {0, 1, 2}
    running = [c for c in cases if _expected_code(c) != 2]
    assert len(running) >= 40
    assert {c["output"] for c in running} >= {"prefilled", "truncated", "header-only"}
