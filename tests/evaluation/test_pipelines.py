"""Pipelines by name: the catalogue, load_pipeline('ts-lr'), --pipelines FILE of every family."""

from pathlib import Path

import pytest

from neuropipe.benchmark import plan_families
from neuropipe.benchmark.pipeline_files import (
    family_sources,
    find_pipeline,
    list_pipelines,
    load_pipeline,
    load_pipeline_file,
)
from neuropipe.cli import main
from neuropipe.datasets.paths import installed_pipelines_dir

PIPELINES = installed_pipelines_dir()


@pytest.mark.slow
def test_catalogue_lists_every_file_with_family_and_default():
    table = list_pipelines(PIPELINES).set_index("name")
    files = {
        p.stem.replace("_", "-") for p in PIPELINES.rglob("*.py") if not p.name.startswith("_")
    }
    assert set(table.index) == files
    assert table.loc["ts-lr", ["pipeline", "family", "default"]].tolist() == [
        "TS+LR",
        "eeg",
        "default",
    ]
    assert table.loc["tangent-logreg", "family"] == "fmri"
    assert table.loc["kalman", ["pipeline", "family"]].tolist() == ["KF", "decoding"]
    # opt-in = the file's "slow" flag, the one --include-slow reads
    assert table.loc["acm-tgsp-svm-grid", "default"] == "opt-in"
    assert table.loc["dkf-gp", "default"] == "opt-in"
    assert table.loc["ts-lr", "summary"].startswith("Tangent space + logistic regression")


def test_cli_lists_pipelines(tmp_path, capsys):
    import shutil

    (tmp_path / "decoding").mkdir()
    for name in ("kalman.py", "dkf_gp.py"):
        shutil.copy(PIPELINES / "decoding" / name, tmp_path / "decoding")
    shutil.copy(PIPELINES / "csp_lda.py", tmp_path)
    assert main(["pipelines", "--pipelines", str(tmp_path), "--family", "decoding"]) == 0
    out = capsys.readouterr().out
    assert "\ndecoding (2):\n" in out and "eeg (" not in out
    line = next(x for x in out.splitlines() if x.strip().startswith("dkf-gp "))
    assert line.split()[:3] == ["dkf-gp", "opt-in", "DKF-GP"]


@pytest.mark.parametrize(
    "name, file, display",
    [
        ("ts-lr", "ts_lr.py", "TS+LR"),
        ("ts_lr", "ts_lr.py", "TS+LR"),
        ("TS+LR", "ts_lr.py", "TS+LR"),
        ("tangent-logreg", "fmri/tangent_logreg.py", "tangent-logreg"),
        ("KF", "decoding/kalman.py", "KF"),
    ],
)
def test_find_pipeline_by_stem_or_display_name(name, file, display):
    path, found = find_pipeline(name, PIPELINES)
    assert (path, found) == (PIPELINES / file, display)


def test_load_pipeline_by_name_or_path_and_close_matches():
    by_name = load_pipeline("csp-lda", PIPELINES)
    by_path = load_pipeline(PIPELINES / "csp_lda.py")
    assert by_name.get_params().keys() == by_path.get_params().keys()
    assert by_name is not load_pipeline("csp-lda", PIPELINES)  # a new estimator each time
    with pytest.raises(
        ValueError, match="No pipeline named 'tangent-logreg2' .*did you mean 'tangent-logreg'"
    ):
        load_pipeline("tangent-logreg2", PIPELINES)
    with pytest.raises(FileNotFoundError, match="Pipeline file not found"):
        load_pipeline("no_such_file.py")


def test_pipelines_file_serves_its_own_family(tmp_path):
    fmri, decoding = PIPELINES / "fmri" / "tangent_logreg.py", PIPELINES / "decoding" / "kalman.py"
    files = [fmri, decoding, PIPELINES / "ts_lr.py"]
    assert family_sources(files, "fmri") == [fmri]
    assert family_sources(files, "decoding") == [decoding]
    assert family_sources(files, "eeg") == [PIPELINES / "ts_lr.py"]
    assert family_sources([PIPELINES], "decoding") == [PIPELINES / "decoding"]
    plans = plan_families(files, families=("eeg", "fmri", "decoding"), subjects=[1])
    assert {t.pipeline for t in plans["fmri"]} == {"tangent-logreg"}
    assert {(t.dataset, t.pipeline) for t in plans["decoding"]} == {
        ("flint2012", "KF"),
        ("stevenson2011", "KF"),
    }
    assert {t.pipeline for t in plans["eeg"]} == {"TS+LR"}


def test_benchmark_with_a_decoding_file_only(tmp_path, capsys):
    wiener = PIPELINES / "decoding" / "wiener.py"
    args = [
        "benchmark",
        "--pipelines",
        str(wiener),
        "--datasets",
        "flint2012",
        "--no-progress",
        "--no-report",
        "--output",
        str(tmp_path / "out"),
    ]
    assert main(args) == 0
    out = capsys.readouterr().out
    assert "flint2012   Wiener" in out
    # an fMRI run asked for, with only a decoding file: one line naming the fix
    args = [
        "benchmark",
        "--pipelines",
        str(wiener),
        "--paradigms",
        "fmri",
        "--no-progress",
        "--output",
        str(tmp_path / "out2"),
    ]
    assert main(args) == 2
    err = capsys.readouterr().err
    assert (
        "has no fmri pipeline" in err and "pass --pipelines FOLDER or a fmri pipeline FILE" in err
    )
    # by name, as `neuropipe pipelines` lists it
    args = [
        "benchmark",
        "--pipelines",
        "wiener",
        "--datasets",
        "flint2012",
        "--no-progress",
        "--no-report",
        "--output",
        str(tmp_path / "out3"),
    ]
    assert main(args) == 0 and "flint2012   Wiener" in capsys.readouterr().out
    assert main([*args[:2], "wienerr", *args[3:]]) == 2
    assert "No pipeline named 'wienerr'" in capsys.readouterr().err


def test_fit_takes_a_pipeline_name(tmp_path, capsys):
    from neuropipe.clinical import load_model
    from neuropipe.datasets import bundled_path

    runs = [str(bundled_path("eegmmidb") / "S001" / f"S001R{r:02d}.edf") for r in (4, 8)]
    model = tmp_path / "m.skops"
    args = [
        "fit",
        "--pipeline",
        "ts-lr",
        "--data",
        *runs,
        "--events",
        "T1=left,T2=right",
        "-o",
        str(model),
    ]
    assert main(args) == 0
    assert "Calibrated 'TS+LR'" in capsys.readouterr().out
    assert Path(load_model(model).pipeline_file).name == "ts_lr.py"
    assert main([*args[:2], "ts-lrr", *args[3:]]) == 2
    assert "did you mean 'ts-lr'" in capsys.readouterr().err
    assert load_pipeline_file(PIPELINES / "ts_lr.py")[0]["name"] == "TS+LR"
