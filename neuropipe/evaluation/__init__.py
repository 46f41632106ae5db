"""Evaluation: the fold maths. One evaluation and results schema for EEG, fMRI and decoding,
chance levels, statistics, leakage, transfer; the paradigm objects and the protocol registry
(:mod:`neuropipe.evaluation.paradigms`). The protocols' splitters are in
:mod:`neuropipe.model_selection`; running them as a benchmark (planning, runner, task store,
pipeline files) is :mod:`neuropipe.benchmark`."""

from .chance import chance_level
from .leakage import optimistic_vs_leakfree
from .paradigms import (
    Paradigm,
    Protocol,
    evaluate,
    get_paradigm,
    get_protocol,
    paradigm_names,
    protocol_names,
    register_protocol,
    unregister_protocol,
)
from .protocols import (
    RESULTS_SCHEMA,
    evaluate_cross_session,
    evaluate_cross_subject,
    evaluate_folds,
    evaluate_within_session,
)
from .pseudo_online import evaluate_pseudo_online, load_pseudo_online, summarize_pseudo_online

__all__ = [
    "Paradigm",
    "Protocol",
    "RESULTS_SCHEMA",
    "chance_level",
    "evaluate",
    "evaluate_cross_session",
    "evaluate_cross_subject",
    "evaluate_folds",
    "evaluate_pseudo_online",
    "evaluate_within_session",
    "get_paradigm",
    "get_protocol",
    "load_pseudo_online",
    "optimistic_vs_leakfree",
    "paradigm_names",
    "protocol_names",
    "register_protocol",
    "summarize_pseudo_online",
    "unregister_protocol",
]
