"""A benchmark task: one (dataset, paradigm, protocol, subject, pipeline), the unit of work
that the runner plans, runs, stores and fingerprints.

A task's protocol is a registered :class:`~neuropipe.evaluation.paradigms.Protocol` (EEG
``within-session``, ``cross-session``, ``cross-subject``, ``pseudo-online``; fMRI
``leave-site-out``, ``stratified-<k>fold``; decoding ``time-ordered``; or one a user
registered), whose paradigm evaluates it. :func:`prepare_task` gives a task the splitter
and seed of a run, built once from the run's options: the task carries them to the worker
that runs it and into its fingerprint.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass, field, replace

import numpy as np

from ..evaluation.paradigms import get_paradigm, get_protocol

__all__ = ["BenchmarkTask", "prepare_task", "task_fields"]


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
    cv : cross-validator | None
        The protocol's splitter for the run (:func:`prepare_task`; None: the protocol
        builds none, or the task is not prepared yet). Not part of the task's identity.
    random_state : int | None
        The seed of the run for the task's paradigm (:func:`prepare_task`). Not part of
        the task's identity.
    data_path : str | None
        The folder of dataset folders the task reads its dataset from (see
        :func:`neuropipe.datasets.get_dataset`); None: the search of the sample data
        (:mod:`neuropipe.datasets.paths`). Not part of the task's identity; part of its
        fingerprint's data digest and of the epoch cache's key.
    """

    dataset: str
    paradigm: str
    protocol: str
    subject: int
    pipeline: str
    source: str
    cv: object = field(default=None, compare=False, repr=False)
    random_state: int | None = field(default=None, compare=False, repr=False)
    data_path: str | None = field(default=None, compare=False, repr=False)

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


def prepare_task(task: BenchmarkTask, n_splits: int = 5, random_state=None) -> BenchmarkTask:
    """``task`` with the splitter and seed of a run.

    Parameters
    ----------
    task : BenchmarkTask
    n_splits : int
        Folds of the protocols that take a number of folds (EEG within-session).
    random_state : int | None
        The run's seed, for every paradigm; None: each paradigm's documented seed
        (EEG 42, fMRI 0, see :class:`~neuropipe.evaluation.paradigms.Paradigm`).

    Returns
    -------
    task : BenchmarkTask
        The same task with ``cv`` (the protocol's splitter, or None) and ``random_state``.

    Examples
    --------
    >>> task = BenchmarkTask("abide-pcp-cc200", "fmri", "stratified-5fold", "all", "p", "p.py")
    >>> prepare_task(task).cv.random_state, prepare_task(task, random_state=7).cv.random_state
    (0, 7)
    """
    protocol = get_protocol(task.protocol)
    seed = get_paradigm(protocol.paradigm).seed(random_state)
    cv = protocol.make_splitter(n_splits=int(n_splits), random_state=seed)
    return replace(task, cv=cv, random_state=seed)


def task_fields(task: BenchmarkTask) -> dict:
    """The task's identity as a JSON-ready dict (the subject as text; no splitter)."""
    fields = {
        name: getattr(task, name)
        for name in ("dataset", "paradigm", "protocol", "subject", "pipeline", "source")
    }
    fields["subject"] = str(fields["subject"])
    return fields
