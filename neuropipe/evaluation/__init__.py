"""Evaluation: protocols (splitters), one evaluation and results schema for EEG, fMRI and
decoding, chance levels, the benchmark runner (joblib / Dask), leakage."""

from .benchmark import leakage_report, plan_benchmark, run_benchmark, summarize
from .chance import chance_level
from .leakage import optimistic_vs_leakfree
from .pipelines import as_pipeline_dict, load_pipeline_file, load_pipelines
from .protocols import (
    EVALUATIONS,
    RESULTS_SCHEMA,
    evaluate,
    evaluate_cross_session,
    evaluate_cross_subject,
    evaluate_folds,
    evaluate_within_session,
)
from .splitters import (
    CrossSessionSplitter,
    CrossSubjectSplitter,
    LeaveSiteOut,
    SiteLabelStratifiedKFold,
    TimeOrderedSplit,
    WithinSessionSplitter,
    make_splitter,
)

__all__ = [
    "EVALUATIONS",
    "RESULTS_SCHEMA",
    "CrossSessionSplitter",
    "CrossSubjectSplitter",
    "LeaveSiteOut",
    "SiteLabelStratifiedKFold",
    "TimeOrderedSplit",
    "WithinSessionSplitter",
    "as_pipeline_dict",
    "chance_level",
    "evaluate",
    "evaluate_cross_session",
    "evaluate_cross_subject",
    "evaluate_folds",
    "evaluate_within_session",
    "leakage_report",
    "load_pipeline_file",
    "load_pipelines",
    "make_splitter",
    "optimistic_vs_leakfree",
    "plan_benchmark",
    "run_benchmark",
    "summarize",
]
