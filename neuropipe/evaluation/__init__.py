"""Evaluation: protocols, chance levels, the benchmark runner (joblib / Dask), leakage."""

from .benchmark import leakage_report, plan_benchmark, run_benchmark, summarize
from .chance import chance_level
from .leakage import optimistic_vs_leakfree
from .pipelines import load_pipeline_file, load_pipelines
from .protocols import (
    EVALUATIONS,
    evaluate,
    evaluate_cross_session,
    evaluate_cross_subject,
    evaluate_within_session,
)

__all__ = [
    "EVALUATIONS",
    "chance_level",
    "evaluate",
    "evaluate_cross_session",
    "evaluate_cross_subject",
    "evaluate_within_session",
    "leakage_report",
    "load_pipeline_file",
    "load_pipelines",
    "optimistic_vs_leakfree",
    "plan_benchmark",
    "run_benchmark",
    "summarize",
]
