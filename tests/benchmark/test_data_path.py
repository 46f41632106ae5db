"""The data path is a parameter of the benchmark (issue 25 item 2): ``neuropipe benchmark
--data-path ROOT`` / ``run_benchmark(data_path=ROOT)`` read every registered dataset from
``ROOT/<its folder>`` and only there; the tasks carry the root to the workers, the epoch
cache and the data digest of the fingerprint include it.

ROOT is a temporary folder holding a link to ONE bundled dataset folder (``flint2012``,
692 kB: a decoding session, Ridge scores it in well under a second); the same real data as
the bundled copy, so the scores must equal those of a run without ``--data-path``.
"""

import pickle

import numpy as np
import pytest
from sklearn.linear_model import Ridge

from neuropipe.benchmark import read_results
from neuropipe.benchmark.cache import epoch_key
from neuropipe.benchmark.fingerprint import task_fingerprint
from neuropipe.benchmark.planning import plan_benchmark, plan_families
from neuropipe.benchmark.tasks import BenchmarkTask
from neuropipe.cli import main
from neuropipe.datasets import get_dataset
from neuropipe.datasets.paths import DataNotFoundError, find_data
from neuropipe.evaluation.paradigms import Protocol, evaluate_within_session

RIDGE = """from sklearn.linear_model import Ridge

PIPELINE = {"name": "Ridge", "paradigms": ["decoding"], "pipeline": Ridge(alpha=10.0)}
"""
CONFIGS = [{"name": "Ridge", "paradigms": ["decoding"], "pipeline": Ridge(), "source": "r.py"}]
QUIET = ["--no-progress", "--no-report", "--no-leakage"]


def _root(folder, *datasets):
    """A data root holding links to bundled dataset folders."""
    folder.mkdir()
    for name in datasets:
        (folder / name).symlink_to(find_data(name), target_is_directory=True)
    return folder


@pytest.fixture
def pipes(tmp_path):
    (tmp_path / "pipes" / "decoding").mkdir(parents=True)
    (tmp_path / "pipes" / "decoding" / "ridge.py").write_text(RIDGE)
    return tmp_path / "pipes"


def _main(capsys, *argv):
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    assert "Traceback" not in out + err
    return code, out, err


def test_get_dataset_reads_the_data_path_and_only_there(tmp_path):
    root = _root(tmp_path / "root", "flint2012")
    assert get_dataset("flint2012", data_path=root).path == root / "flint2012"
    with pytest.raises(DataNotFoundError, match="stevenson2011") as info:
        get_dataset("stevenson2011", data_path=root)  # bundled, but not in the root
    assert str(root / "stevenson2011") in str(info.value)
    assert "\n" not in str(info.value)
    with pytest.raises(ValueError, match="give one"):
        get_dataset("flint2012", path=find_data("flint2012"), data_path=root)
    toml = "docs/examples/eegmmidb_s001.toml"  # a user spec names its own files
    assert get_dataset(toml, data_path=root).subjects == get_dataset(toml).subjects


def test_tasks_carry_the_data_path_outside_their_identity(tmp_path, pipes):
    root = _root(tmp_path / "root", "flint2012")
    (task,) = plan_benchmark(CONFIGS, ["flint2012"], protocol="time-ordered", data_path=root)
    (default,) = plan_benchmark(CONFIGS, ["flint2012"], protocol="time-ordered")
    assert task.data_path == str(root) and default.data_path is None
    assert task == default and task.key == default.key  # the same task, read elsewhere
    assert pickle.loads(pickle.dumps(task)).data_path == str(root)  # to joblib/Dask workers
    plans = plan_families(pipes, ["flint2012"], families=["decoding"], data_path=root)
    assert [(t.dataset, t.data_path) for t in plans["decoding"]] == [("flint2012", str(root))]
    assert epoch_key("flint2012", "decoding", None, task.data_path) != epoch_key(
        "flint2012", "decoding", None
    )


def test_another_data_path_changes_the_data_digest(tmp_path):
    first = _root(tmp_path / "first", "flint2012")
    second = _root(tmp_path / "second", "flint2012")  # the very same files, another root
    task = BenchmarkTask("flint2012", "decoding", "time-ordered", "all", "Ridge", "r.py")
    digests = [
        task_fingerprint(BenchmarkTask(**{**vars(task), "data_path": root}))["data"]
        for root in (None, str(first), str(second), str(first))
    ]
    assert len(set(digests[:3])) == 3 and digests[3] == digests[1]
    assert not digests[1].startswith("unavailable")


def test_a_protocol_load_without_data_path_is_refused_when_a_run_names_one():
    def load(dataset, paradigm, subject):
        return (dataset, paradigm, subject)

    def load_from(dataset, paradigm, subject, data_path=None):
        return data_path

    protocol = Protocol("custom-load", "eeg", evaluate_within_session, load=load)
    assert protocol.load_task("d", "P", 1) == ("d", "P", 1)
    with pytest.raises(TypeError, match="takes no data_path"):
        protocol.load_task("d", "P", 1, data_path="/data")
    protocol = Protocol("custom-load", "eeg", evaluate_within_session, load=load_from)
    assert protocol.load_task("d", "P", 1, data_path="/data") == "/data"


def test_benchmark_data_path_runs_and_resumes_by_root(tmp_path, capsys, pipes):
    root = _root(tmp_path / "root", "flint2012")
    run = ["benchmark", "--pipelines", pipes, "--datasets", "flint2012", *QUIET]
    code, _, _ = _main(capsys, *run, "--data-path", root, "--output", tmp_path / "a")
    assert code == 0
    code, _, _ = _main(capsys, *run, "--output", tmp_path / "b")  # the search: data/
    assert code == 0
    ours, searched = (read_results(tmp_path / o / "results.csv") for o in ("a", "b"))
    assert len(ours) == len(searched) > 1  # state "all" and one row per state
    np.testing.assert_array_equal(ours["score"], searched["score"])  # same files, same scores
    again = ["--resume", "--output", tmp_path / "a"]
    code, out, _ = _main(capsys, *run, "--data-path", root, *again)
    assert code == 0 and "Resume: 1 task(s) reused, 0 recomputed" in out
    other = _root(tmp_path / "other", "flint2012")
    code, out, _ = _main(capsys, *run, "--data-path", other, *again)
    assert code == 0 and "0 task(s) reused, 1 recomputed (1 stale (data changed))" in out


def test_benchmark_data_path_missing_folder_is_one_line(tmp_path, capsys, pipes):
    root = _root(tmp_path / "root", "flint2012")
    code, _, err = _main(
        capsys, "benchmark", "--pipelines", pipes, "--datasets", "stevenson2011",
        "--data-path", root, *QUIET, "--output", tmp_path / "o",
    )  # fmt: skip
    assert code == 2
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("neuropipe: error: "), err
    assert f"'{root / 'stevenson2011'}'" in lines[0] and "data path" in lines[0]
