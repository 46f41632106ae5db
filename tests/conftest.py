"""Shared fixtures: quiet MNE, a non-interactive matplotlib backend, no network, tiny
fMRI / decoding pipeline files, and a record of the benchmark tasks the runner executes."""

import os
import socket

import matplotlib
import mne
import pytest
from threadpoolctl import threadpool_limits

from neuropipe._threads import USER_THREAD_ENV, blas_threads

matplotlib.use("Agg")
mne.set_log_level("ERROR")

# One BLAS / OpenMP thread per test process and for the processes it starts (CLI runs,
# README blocks), unless the user set OMP_NUM_THREADS & co.: with default threads, a busy
# 2-core machine made `make test` 3x slower (docs/performance.md, "A shared machine").
if blas_threads() is not None:
    for _name in USER_THREAD_ENV:
        os.environ[_name] = "1"
    threadpool_limits(limits=1)  # this process: its BLAS is loaded already


@pytest.fixture
def no_network(monkeypatch):
    """Make any attempt to open a network connection fail loudly."""

    def refuse(*args, **kwargs):
        raise RuntimeError(f"network access attempted: {args}")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)


FMRI_STD_FILE = """import numpy as np
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import FunctionTransformer, StandardScaler


def roi_std(X):
    return np.stack([np.std(ts, axis=0) for ts in X["timeseries"]])


PIPELINE = {
    "name": "ROI-std+LR",
    "paradigms": ["fmri"],
    "pipeline": make_pipeline(FunctionTransformer(roi_std), StandardScaler(), LogisticRegression()),
}
"""

RIDGE_FILE = """from sklearn.linear_model import Ridge

PIPELINE = {"name": "Ridge", "paradigms": ["decoding"], "pipeline": Ridge(alpha=10.0)}
"""


@pytest.fixture
def add_family_pipelines():
    """A function that writes a fast fMRI pipeline (``fmri/std.py``, ROI-std+LR) and a
    decoding one (``decoding/ridge.py``, Ridge) into a pipeline folder and returns it."""

    def add(folder):
        files = (("fmri", "std.py", FMRI_STD_FILE), ("decoding", "ridge.py", RIDGE_FILE))
        for family, name, text in files:
            (folder / family).mkdir(parents=True, exist_ok=True)
            (folder / family / name).write_text(text)
        return folder

    return add


@pytest.fixture
def executed_tasks(monkeypatch):
    """The list of tasks the benchmark runner executes from now on (in this process)."""
    from neuropipe.benchmark import execution

    tasks = []
    original = execution.execute_task

    def record(task, *args):
        tasks.append(task)
        return original(task, *args)

    monkeypatch.setattr(execution, "execute_task", record)
    return tasks
