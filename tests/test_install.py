"""neuropipe outside a clone: data resolution, shipped pipelines, and an installed wheel."""

import os
import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest

from neuropipe._validation import DataFileError
from neuropipe.cli import main
from neuropipe.datasets import get_dataset, list_datasets, paths
from neuropipe.datasets.paths import (
    DataNotFoundError,
    data_status,
    default_pipelines_dir,
    find_data,
    install_sample_data,
)

REPO = Path(__file__).resolve().parents[1]
DATA = REPO / "data"


def test_pyproject_lists_every_subpackage():
    import tomllib
    from setuptools import find_packages

    config = tomllib.loads((REPO / "pyproject.toml").read_text())["tool"]["setuptools"]
    listed = set(config["packages"])
    assert set(find_packages(str(REPO), include=["neuropipe*"])) <= listed
    assert config["package-dir"]["neuropipe._pipelines"] == "pipelines"
    shipped = {"neuropipe._pipelines"} | {
        f"neuropipe._pipelines.{p.name}"
        for p in (REPO / "pipelines").iterdir()
        if p.is_dir() and not p.name.startswith(("_", "."))
    }
    assert shipped <= listed


def _partial_eegmmidb(root):
    """S001 complete, S002 without run 8: a partial copy with the original SHA256SUMS."""
    target = root / "eegmmidb"
    for subject in ("S001", "S002"):
        (target / subject).mkdir(parents=True)
        for f in sorted((DATA / "eegmmidb" / subject).iterdir()):
            if not (subject == "S002" and f.name.startswith("S002R08")):
                (target / subject / f.name).symlink_to(f)
    shutil.copy(DATA / "eegmmidb" / "SHA256SUMS.txt", target)
    return target


def test_partial_neuropipe_data_listed_and_warned(tmp_path, monkeypatch, capsys):
    _partial_eegmmidb(tmp_path)
    monkeypatch.setenv("NEUROPIPE_DATA", str(tmp_path))
    with pytest.warns(UserWarning, match="partial copy: .* missing .*S002/S002R08.edf"):
        assert find_data("eegmmidb") == tmp_path / "eegmmidb"
    assert get_dataset("eegmmidb-leftright").subjects == [1]
    status = data_status("eegmmidb")
    assert status["state"] == "partial" and "S003/S003R04.edf" in status["missing"]
    with pytest.warns(UserWarning, match="subjects \\[2\\] lack runs"):
        table = list_datasets().set_index("name")
    assert table.loc["eegmmidb-leftright", "status"] == "partial"
    assert table.loc["eegmmidb-leftright", "subjects"] == 1
    assert (table.loc[["ssvep-exo", "flint2012"], "status"] == "missing").all()
    assert (table.loc[["ssvep-exo", "flint2012"], "subjects"] == 0).all()
    assert main(["datasets"]) == 0
    out = capsys.readouterr().out
    assert "ssvep-exo: missing, not found (looked in" in out
    assert "eegmmidb-leftright: partial" in out and "subjects [2] lack runs" in out


def test_missing_and_damaged_data_say_where_and_how(tmp_path, monkeypatch):
    monkeypatch.setenv("NEUROPIPE_DATA", str(tmp_path))
    with pytest.raises(DataNotFoundError, match="Looked in: .*NEUROPIPE_DATA.*install_sample_data"):
        get_dataset("ssvep-exo")
    (tmp_path / "flint2012").mkdir()
    for name in ("x.csv", "z.csv", "SHA256SUMS.txt"):
        shutil.copy(DATA / "flint2012" / name, tmp_path / "flint2012")
    with open(tmp_path / "flint2012" / "x.csv", "a") as handle:
        handle.write("1\n")
    assert data_status("flint2012")["state"] == "damaged"
    with pytest.raises(DataFileError, match="do not match SHA256SUMS.txt: \\['x.csv'\\]"):
        find_data("flint2012")


def test_user_folder_and_install_sample_data(tmp_path, monkeypatch):
    monkeypatch.delenv("NEUROPIPE_DATA", raising=False)
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.setattr(paths, "repository_root", lambda: None)  # as an installed package
    with pytest.raises(DataNotFoundError, match="neuropipe_data/stevenson2011' \\(per-user"):
        find_data("stevenson2011")
    dest = install_sample_data(DATA, names=["stevenson2011"])
    assert dest == tmp_path / "neuropipe_data"
    assert find_data("stevenson2011") == dest / "stevenson2011"
    assert data_status("stevenson2011")["state"] == "complete"


def test_empty_or_unchecked_folder_is_never_complete(tmp_path, monkeypatch):
    """Sample-data status: empty = missing (passed over), no checksums = 'unverified'."""
    monkeypatch.setenv("NEUROPIPE_DATA", str(tmp_path))
    (tmp_path / "flint2012").mkdir()
    shutil.copy(DATA / "flint2012" / "SHA256SUMS.txt", tmp_path / "flint2012")
    status = data_status("flint2012")  # an empty folder, its checksum file only
    assert status["state"] == "missing", status
    assert "flint2012' (NEUROPIPE_DATA, an empty folder)" in status["detail"]
    with pytest.raises(DataNotFoundError, match="an empty folder"):
        find_data("flint2012")
    shutil.copy(DATA / "flint2012" / "x.csv", tmp_path / "flint2012")  # z.csv missing
    status = data_status("flint2012")
    assert status["state"] == "partial" and status["missing"] == ["z.csv"], status
    assert status["detail"] == "1 of 2 file(s) missing: z.csv"
    (tmp_path / "flint2012" / "SHA256SUMS.txt").unlink()  # files, no checksums
    status = data_status("flint2012")
    assert status["state"] == "unverified", status
    assert status["detail"].startswith("1 file(s), no checksums (SHA256SUMS.txt absent)")
    table = list_datasets().set_index("name")
    assert table.loc["flint2012", "status"] == "unverified"
    assert table.loc["stevenson2011", "status"] == "missing"


def test_abide_found_on_the_data_path_as_installed(tmp_path, monkeypatch):
    """load_abide() and the fMRI benchmark read ABIDE from ~/neuropipe_data, not the package."""
    from neuropipe.datasets import get_dataset
    from neuropipe.datasets.abide import abide_path, load_abide

    monkeypatch.delenv("NEUROPIPE_DATA", raising=False)
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.setattr(paths, "repository_root", lambda: None)  # as an installed package
    with pytest.raises(DataNotFoundError, match="neuropipe_data/abide-pcp-cc200' \\(per-user"):
        load_abide()
    (tmp_path / "neuropipe_data").mkdir()
    (tmp_path / "neuropipe_data" / "abide-pcp-cc200").symlink_to(DATA / "abide-pcp-cc200")
    assert abide_path() == tmp_path / "neuropipe_data" / "abide-pcp-cc200"
    assert get_dataset("abide-pcp-cc200").path == abide_path()  # what the fingerprint hashes
    data = load_abide(sites=["OHSU"])
    assert len(data.y) == 26 and data.atlas.parent == abide_path()


def test_default_pipelines_dir(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert default_pipelines_dir() == REPO / "pipelines"  # in a clone, from any folder
    (tmp_path / "pipelines").mkdir()
    assert default_pipelines_dir() == Path("pipelines")


def _copy_sources(dest):
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(REPO / name, dest)
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc")
    for name in ("neuropipe", "pipelines"):
        shutil.copytree(REPO / name, dest / name, ignore=ignore)


@pytest.mark.slow
def test_wheel_installed_outside_the_clone(tmp_path):
    """Build a wheel, install it in a fresh venv, run the CLI from an empty folder."""
    src, dist, venv, work, home = (tmp_path / n for n in ("src", "dist", "venv", "work", "home"))
    for folder in (src, work, home):
        folder.mkdir()
    _copy_sources(src)
    pip = [sys.executable, "-m", "pip"]
    build = [*pip, "wheel", "--no-deps", "--no-build-isolation", "-q", "-w", str(dist), str(src)]
    subprocess.run(build, check=True, cwd=tmp_path)
    (wheel,) = dist.glob("neuropipe-*.whl")
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    python = venv / "bin" / "python"
    install = [*pip, "--python", str(python), "install", "--no-deps", "-q", str(wheel)]
    subprocess.run(install, check=True, cwd=tmp_path)
    # dependencies from this environment (a plain path entry: its .pth files, among them the
    # editable neuropipe of the clone, are not processed), neuropipe itself from the wheel
    purelib = subprocess.run(
        [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        check=True, capture_output=True, text=True,
    ).stdout.strip()
    Path(purelib, "deps.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    env = {
        k: v for k, v in os.environ.items() if k not in ("NEUROPIPE_DATA", "PYTHONPATH")
    }
    env.update(HOME=str(home), OMP_NUM_THREADS="1", OPENBLAS_NUM_THREADS="1", MPLBACKEND="Agg")

    def run(*args):
        done = subprocess.run(args, cwd=work, env=env, capture_output=True, text=True)
        assert done.returncode == 0, done.stdout + done.stderr
        return done.stdout

    where = run(str(python), "-c", "import neuropipe; print(neuropipe.__file__)")
    assert where.startswith(str(venv)), where
    neuropipe = str(venv / "bin" / "neuropipe")
    # sample data of the three families into the per-user folder, from the clone's data/
    # (checksummed); nothing of the clone is read after this
    run(str(python), "-c", "from neuropipe.datasets import install_sample_data as i; "
        f"i({str(DATA)!r}, names=['eegmmidb', 'abide-pcp-cc200', 'flint2012'])")
    out = run(neuropipe, "datasets")
    assert "eegmmidb-leftright" in out and "ssvep-exo: missing" in out
    table = {line.split()[0]: line.split() for line in out.splitlines()[1:] if line.strip()}
    assert "complete" in table["abide-pcp-cc200"] and "complete" in table["flint2012"]
    # the installed pipeline files, by family, and by name
    out = run(neuropipe, "pipelines")
    shipped = Path(out.splitlines()[0].split(" in ")[1].split(":")[0])
    assert shipped.is_relative_to(venv) and shipped.name == "_pipelines", out
    for family, name in (("eeg", "ts-lr"), ("fmri", "tangent-logreg"), ("decoding", "kalman")):
        assert f"\n{family} (" in out and f"\n  {name} " in out, out
    # a small benchmark of each family: --pipelines takes installed files of every family
    files = [shipped / "ts_lr.py", shipped / "fmri" / "connectome_logreg.py",
             shipped / "decoding" / "wiener.py"]
    out = run(
        neuropipe, "benchmark", "--paradigms", "eeg", "fmri", "decoding",
        "--datasets", "eegmmidb-handsfeet", "abide-pcp-cc200", "flint2012", "--subjects", "1",
        "--n-splits", "3", "--fmri-protocols", "leave-site-out", "--pipelines", *map(str, files),
        "--no-progress", "--no-leakage", "--no-report", "--output", "out",
    )
    import pandas as pd

    results = pd.read_csv(work / "out" / "results.csv")
    assert results["score"].between(-1, 1).all()
    found = results.groupby("family")["pipeline"].unique().map(set).to_dict()
    assert found == {"eeg": {"TS+LR"}, "fmri": {"connectome-logreg"}, "decoding": {"Wiener"}}
    assert set(results.loc[results["family"] == "eeg", "subject"]) == {1}
    assert set(results.loc[results["family"] == "decoding", "dataset"]) == {"flint2012"}
    # a pipeline by name calibrates a model on the installed sample data
    runs = [str(home / "neuropipe_data" / "eegmmidb" / "S001" / f"S001R{r:02d}.edf") for r in (6, 10)]
    out = run(neuropipe, "fit", "--pipeline", "ts-lr", "--data", *runs, "--events",
              "T1=hands,T2=feet", "-o", "model.skops")
    assert "Calibrated 'TS+LR'" in out and (work / "model.skops").is_file()
    # the report renders from the results folder alone: no pipelines folder in `work`
    assert not (work / "pipelines").exists()
    out = run(neuropipe, "report", "out", "-o", "report.html")
    assert "report.html" in out
    page = (work / "report.html").read_text()
    assert "TS+LR" in page and "connectome-logreg" in page and "Wiener" in page
