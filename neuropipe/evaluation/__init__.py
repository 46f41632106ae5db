"""Evaluation: the fold maths. One evaluation and results schema for EEG, fMRI and decoding,
chance levels, statistics, leakage, transfer. The protocols' splitters are in
:mod:`neuropipe.model_selection`; running them as a benchmark (planning, runner, task store,
pipeline files) is :mod:`neuropipe.benchmark`."""

from .chance import chance_level
from .leakage import optimistic_vs_leakfree
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
    "chance_level",
    "evaluate",
    "evaluate_cross_session",
    "evaluate_cross_subject",
    "evaluate_folds",
    "evaluate_pseudo_online",
    "evaluate_within_session",
    "load_pseudo_online",
    "optimistic_vs_leakfree",
    "summarize_pseudo_online",
]
