"""A benchmark task: one (dataset, paradigm, protocol, subject, pipeline), the unit of work
that the runner plans, runs, stores and fingerprints.

A task is one of three families: EEG (a MOABB paradigm, one subject, protocol
``within-session``, ``cross-session``, ``cross-subject`` or ``pseudo-online``), fMRI
(paradigm ``"fmri"``, subject ``"all"``, protocol ``leave-site-out`` or
``stratified-<k>fold``) and decoding (paradigm ``"decoding"``, subject ``"all"``, protocol
``time-ordered``).
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import asdict, dataclass

import numpy as np

from ..evaluation.fmri import RANDOM_STATE as FMRI_RANDOM_STATE

__all__ = ["FAMILY_PARADIGMS", "BenchmarkTask", "task_family", "task_fields", "task_options"]

#: Paradigm of the fMRI and decoding tasks (the others are MOABB paradigms: EEG).
FAMILY_PARADIGMS = ("fmri", "decoding")


@dataclass(frozen=True)
class BenchmarkTask:
    """One unit of work.

    Attributes
    ----------
    dataset, paradigm : str
        EEG: a dataset (a name or description accepted by
        :func:`neuropipe.datasets.get_dataset`) and the MOABB paradigm whose epoching to use;
        fMRI: ``"abide-pcp-cc200"`` and ``"fmri"``; decoding: a bundled decoding dataset
        (``"flint2012"``...) and ``"decoding"``.
    protocol : str
        EEG ``"within-session"``, ``"cross-session"`` or ``"cross-subject"``; fMRI
        ``"leave-site-out"`` or ``"stratified-<k>fold"``; decoding ``"time-ordered"``.
    subject : int | str
        The subject evaluated (held out, for cross-subject); ``"all"`` for fMRI and
        decoding tasks (every fold of the protocol, or the one recording).
    pipeline : str
        Pipeline name, as in its file.
    source : str
        Path of the pipeline file, loaded by the worker that runs the task.
    """

    dataset: str
    paradigm: str
    protocol: str
    subject: int
    pipeline: str
    source: str

    @property
    def key(self) -> str:
        """File-name-safe identifier of the task, unique for every distinct task.

        A readable part (characters outside ``[A-Za-z0-9_.-]`` replaced) followed by a hash
        of the exact fields, so ``"CSP+LDA"`` and ``"CSP LDA"`` never share a file, even on
        a case-insensitive file system.
        """
        subject = (
            f"S{self.subject:03d}"
            if isinstance(self.subject, (int, np.integer))
            else f"S{self.subject}"
        )
        raw = f"{self.dataset}__{self.paradigm}__{self.protocol}__{subject}__{self.pipeline}"
        slug = re.sub(r"[^A-Za-z0-9_.-]+", "-", raw).lstrip(".-")[:120]
        identity = json.dumps(
            [self.dataset, self.paradigm, self.protocol, str(self.subject), self.pipeline]
        )
        return f"{slug}__{hashlib.sha256(identity.encode()).hexdigest()[:12]}"


def task_family(task: BenchmarkTask) -> str:
    """``"fmri"``, ``"decoding"`` or ``"eeg"``: the family of a task, from its paradigm."""
    return task.paradigm if task.paradigm in FAMILY_PARADIGMS else "eeg"


def task_options(task: BenchmarkTask, n_splits, random_state) -> dict:
    """The folds and seed a task actually uses: the run's for EEG; fMRI's stratified folds
    are in the protocol's name, with fMRI's own seed (docs/fmri.md); decoding has none."""
    family = task_family(task)
    if family == "fmri":
        return {"n_splits": None, "random_state": FMRI_RANDOM_STATE}
    if family == "decoding":
        return {"n_splits": None, "random_state": None}
    return {
        "n_splits": int(n_splits),
        "random_state": None if random_state is None else int(random_state),
    }


def task_fields(task: BenchmarkTask) -> dict:
    """The task's fields as a JSON-ready dict (the subject as text)."""
    fields = asdict(task)
    fields["subject"] = str(fields["subject"])
    return fields
