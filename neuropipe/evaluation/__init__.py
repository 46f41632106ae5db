"""Evaluation: one evaluation and results schema for EEG, fMRI and decoding, chance levels,
the benchmark runner (joblib / Dask), leakage. The protocols' splitters are in
:mod:`neuropipe.model_selection`."""

from .benchmark import leakage_report, plan_benchmark, run_benchmark, summarize
from .chance import chance_level
from .leakage import optimistic_vs_leakfree
from .pipelines import (
    as_pipeline_dict,
    find_pipeline,
    list_pipelines,
    load_pipeline,
    load_pipeline_file,
    load_pipelines,
)
from .protocols import (
    EVALUATIONS,
    RESULTS_SCHEMA,
    evaluate,
    evaluate_cross_session,
    evaluate_cross_subject,
    evaluate_folds,
    evaluate_within_session,
)
from .pseudo_online import evaluate_pseudo_online, load_pseudo_online, summarize_pseudo_online

__all__ = [
    "EVALUATIONS",
    "RESULTS_SCHEMA",
    "as_pipeline_dict",
    "chance_level",
    "evaluate",
    "evaluate_cross_session",
    "evaluate_cross_subject",
    "evaluate_folds",
    "evaluate_pseudo_online",
    "evaluate_within_session",
    "find_pipeline",
    "leakage_report",
    "list_pipelines",
    "load_pipeline",
    "load_pipeline_file",
    "load_pipelines",
    "load_pseudo_online",
    "optimistic_vs_leakfree",
    "plan_benchmark",
    "run_benchmark",
    "summarize",
    "summarize_pseudo_online",
]
