"""The benchmark wing: planning, the runner, the task store, fingerprints, results tables,
caches, Dask and the pipeline-file loader.

It runs the fold maths of :mod:`neuropipe.evaluation` as independent tasks, one module per
job:

- :mod:`~neuropipe.benchmark.tasks`: the task (:class:`BenchmarkTask`);
- :mod:`~neuropipe.benchmark.planning`: which tasks a benchmark runs (:func:`plan_benchmark`,
  :func:`plan_families`...);
- :mod:`~neuropipe.benchmark.execution`: one task in one process (:func:`execute_task`), the
  joblib and Dask backends (:func:`dask_client`);
- :mod:`~neuropipe.benchmark.runner`: :func:`run_tasks` and :func:`run_benchmark`;
- :mod:`~neuropipe.benchmark.store`: the task store (:class:`TaskStore`) and what
  ``--resume`` found (:class:`ResumeReport`);
- :mod:`~neuropipe.benchmark.fingerprint`: what a result depends on (:func:`task_fingerprint`);
- :mod:`~neuropipe.benchmark.results`: results tables on disk (:func:`read_results`,
  :func:`write_csv_atomic`);
- :mod:`~neuropipe.benchmark.artifact_files`: the per-fold arrays of a task on disk;
- :mod:`~neuropipe.benchmark.cache`: the per-process caches (loaded epochs, per-epoch
  outputs, shared transformer fits);
- :mod:`~neuropipe.benchmark.pipeline_files`: pipeline files (:func:`load_pipeline_file`,
  :func:`load_pipeline`, :func:`list_pipelines`...);
- :mod:`~neuropipe.benchmark.summary`: :func:`summarize` and :func:`leakage_report`.
"""

from .execution import dask_client, execute_task
from .pipeline_files import (
    as_pipeline_dict,
    find_pipeline,
    list_pipelines,
    load_pipeline,
    load_pipeline_file,
    load_pipelines,
)
from .planning import plan_benchmark, plan_families
from .results import read_results, write_csv_atomic
from .runner import run_benchmark, run_tasks
from .store import ResumeReport, TaskStore
from .summary import leakage_report, summarize
from .tasks import BenchmarkTask

__all__ = [
    "BenchmarkTask",
    "ResumeReport",
    "TaskStore",
    "as_pipeline_dict",
    "dask_client",
    "execute_task",
    "find_pipeline",
    "leakage_report",
    "list_pipelines",
    "load_pipeline",
    "load_pipeline_file",
    "load_pipelines",
    "plan_benchmark",
    "plan_families",
    "read_results",
    "run_benchmark",
    "run_tasks",
    "summarize",
    "write_csv_atomic",
]
