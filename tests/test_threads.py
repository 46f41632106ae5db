"""BLAS threads per worker: one by default, the user's OMP_NUM_THREADS kept, capped by cores."""

import os

import pytest

from neuropipe import cli
from neuropipe._threads import THREADS_ENV, USER_THREAD_ENV, available_cores, blas_threads


@pytest.fixture
def clean_env(monkeypatch):
    for name in (*USER_THREAD_ENV, THREADS_ENV):
        monkeypatch.delenv(name, raising=False)
    return monkeypatch


def test_one_thread_by_default_and_the_users_setting_kept(clean_env):
    assert blas_threads() == 1
    assert blas_threads(n_jobs=-1) == 1
    clean_env.setenv("OMP_NUM_THREADS", "4")
    assert blas_threads() is None  # left alone: threadpoolctl is not called
    assert blas_threads(threads=1) == 1  # an explicit request still applies


def test_requests_are_capped_so_that_workers_times_threads_fit_the_cores(clean_env):
    cores = available_cores()
    assert blas_threads(1, threads=1000) == cores
    assert blas_threads(cores, threads=1000) == 1
    clean_env.setenv(THREADS_ENV, str(cores))
    assert blas_threads(1) == cores
    clean_env.setenv(THREADS_ENV, "many")
    with pytest.raises(ValueError, match="NEUROPIPE_THREADS='many' is not a number of threads"):
        blas_threads()
    with pytest.raises(ValueError, match="'threads' must be an integer >= 1, got 0"):
        blas_threads(threads=0)


def test_cli_threads_option_reaches_the_command_and_is_restored(clean_env, capsys):
    seen = {}

    def command(args):
        from threadpoolctl import threadpool_info

        seen["env"] = os.environ.get(THREADS_ENV)
        seen["blas"] = {p["num_threads"] for p in threadpool_info() if p["user_api"] == "blas"}
        return 0

    clean_env.setattr(cli, "_cmd_datasets", command)
    assert cli.main(["datasets", "--threads", "1"]) == 0
    assert seen == {"env": "1", "blas": {1}}
    assert THREADS_ENV not in os.environ
    assert cli.main(["datasets", "--threads", "0"]) == 2
    assert "expected an integer >= 1, got '0'" in capsys.readouterr().err
