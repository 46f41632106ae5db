"""Paradigm objects and the protocol registry: what differs between EEG, fMRI and decoding.

A *paradigm* is a kind of recording and question (MOABB's ``moabb/paradigms/base.py``
is the model): epochs of EEG classified per subject, fMRI connectomes classified across
many subjects and sites, spike counts decoded into continuous states. Each is one
:class:`Paradigm` object that owns what differs between them: its scoring and chance level,
the datasets it is valid for (:meth:`Paradigm.is_valid`, as MOABB's evaluations), how a task
loads its data, the default seed of its folds, its pipelines' sub-folder and the ``family``
column of its result rows. Its name is the ``modality`` of the datasets it serves
(:func:`neuropipe.datasets.dataset_modality`).

A *protocol* is a named way to split the data of a paradigm into training and test folds:
a :class:`Protocol` carries its name, its paradigm, the splitter it builds from the run's
options (a cross-validator of :mod:`neuropipe.model_selection`) and its evaluate function
(rows of :data:`~neuropipe.evaluation.protocols.RESULTS_SCHEMA`). Protocols live in one
registry: :func:`register_protocol` adds one (a new protocol needs no other change in
neuropipe), :func:`get_protocol` finds one by name, :func:`protocol_names` lists them and
:func:`evaluate` runs one on data.

============================ ========== ==================================== =========
protocol                     paradigm   splitter                             seed
============================ ========== ==================================== =========
``within-session``           eeg        ``WithinSessionSplitter``            42
``cross-session``            eeg        ``CrossSessionSplitter``             (none)
``cross-subject``            eeg        ``CrossSubjectSplitter``             (none)
``pseudo-online``            eeg        leave one run out                    (none)
``leave-site-out``           fmri       ``LeaveSiteOut``                     (none)
``stratified-<k>fold``       fmri       ``SiteLabelStratifiedKFold(k)``      0
``time-ordered``             decoding   the dataset's ``TimeOrderedSplit``   (none)
============================ ========== ==================================== =========

The seeds are the paradigms' defaults (EEG 42 as MOABB, fMRI 0 as ``docs/fmri.md``), used
when a run names none; ``neuropipe benchmark --random-state N`` seeds every paradigm's
folds with N.

Examples
--------
>>> protocol = get_protocol("stratified-10fold")
>>> protocol.paradigm, protocol.make_splitter(random_state=get_paradigm("fmri").random_state)
('fmri', SiteLabelStratifiedKFold(column='site', n_splits=10, random_state=0))
>>> protocol_names("eeg")
['within-session', 'cross-session', 'cross-subject', 'pseudo-online']
"""

from __future__ import annotations

import inspect
import re
from collections.abc import Callable
from dataclasses import dataclass, replace
from functools import partial

import numpy as np
import pandas as pd

from .._validation import check_option
from ..datasets import dataset_modality, get_dataset
from ..model_selection import make_splitter
from .chance import chance_level
from .decoding import evaluate_time_ordered
from .fmri import QUICK_PROTOCOLS, evaluate_fmri_protocol
from .fmri import RANDOM_STATE as FMRI_RANDOM_STATE
from .protocols import (
    RESULTS_SCHEMA,
    default_scoring,
    evaluate_cross_session,
    evaluate_cross_subject,
    evaluate_within_session,
)
from .pseudo_online import evaluate_pseudo_online, load_pseudo_online

__all__ = [
    "DECODING",
    "EEG",
    "FMRI",
    "SCOPES",
    "Paradigm",
    "Protocol",
    "evaluate",
    "get_paradigm",
    "get_protocol",
    "paradigm_names",
    "pipeline_paradigm",
    "protocol_names",
    "register_paradigm",
    "register_protocol",
    "unregister_protocol",
]

#: What one task of a protocol covers: ``"subject"`` the data of one subject, ``"held-out"``
#: every subject's data with one subject held out (the task's subject), ``"dataset"`` the
#: whole dataset at once (the task's subject is ``"all"``).
SCOPES = ("subject", "held-out", "dataset")


# --------------------------------------------------------------------------------------
# Paradigms
# --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Paradigm:
    """A kind of recording and question, and what its evaluation needs to know of it.

    Parameters
    ----------
    name : str
        The paradigm's key: the ``modality`` of its datasets and the ``family`` column of
        its result rows.
    title : str
        Its section title in the report and the command's tables.
    random_state : int | None
        Seed of its shuffled folds when a run names none.
    has_subjects : bool
        Whether a result row belongs to one subject (False: a fold pools many subjects, the
        ``subject`` column is empty).
    pipelines_folder : str
        Sub-folder of a pipelines folder holding its pipeline files (``""``: the folder
        itself).
    default_protocols : tuple of str
        Protocols of a run that names none.
    """

    name: str
    title: str
    random_state: int | None
    has_subjects: bool
    pipelines_folder: str
    default_protocols: tuple

    def scoring(self, y) -> str:
        """The score of a task with labels or targets ``y`` (a scikit-learn scorer name)."""
        raise NotImplementedError

    def chance(self, y_test, y_train=None) -> tuple[float, float]:
        """``(chance, chance_p95)``: the score of a no-information model on ``y_test`` and
        the score it exceeds with p < 0.05 (:func:`~neuropipe.evaluation.chance.chance_level`).
        """
        raise NotImplementedError

    def is_valid(self, dataset) -> bool:
        """Whether ``dataset`` (a dataset object or name) is of this paradigm's modality."""
        modality = getattr(dataset, "modality", None)
        if modality is None:
            modality = dataset_modality(dataset)
        return modality == self.name

    def seed(self, random_state=None):
        """The seed of a run: ``random_state`` when the run names one, else the default."""
        return self.random_state if random_state is None else random_state

    def load(self, dataset: str, paradigm: str, subjects=None, data_path=None):
        """``get_dataset(dataset, data_path=data_path).load(subjects, paradigm)``: the data
        of a task.

        Parameters
        ----------
        dataset : str
            A dataset name or description (:func:`neuropipe.datasets.get_dataset`).
        paradigm : str
            The dataset's paradigm whose data to load (EEG: the MOABB paradigm whose
            epoching to use).
        subjects : iterable | None
            Subjects to load together (None: every subject).
        data_path : str | Path | None
            The folder of dataset folders to read (see
            :func:`neuropipe.datasets.get_dataset`); None: the search of the sample data.
        """
        subjects = None if subjects is None else list(subjects)
        dataset = get_dataset(dataset, data_path=data_path)
        return dataset.load(subjects=subjects, paradigm=paradigm)

    def serves(self, paradigms) -> bool:
        """Whether a pipeline listing ``paradigms`` (its file's ``paradigms``) is of this
        paradigm (see :func:`pipeline_paradigm`)."""
        return pipeline_paradigm(paradigms) is self

    def rows(self, table) -> pd.DataFrame:
        """``table`` (rows, or a DataFrame) as :data:`RESULTS_SCHEMA`, ``family`` = name."""
        table = pd.DataFrame(table).reindex(columns=RESULTS_SCHEMA)
        table["family"] = self.name
        return table

    def protocols(self) -> list[str]:
        """Names of the registered protocols of this paradigm."""
        return protocol_names(self.name)


class _EEG(Paradigm):
    """Epochs classified per subject, scored as MOABB does."""

    def scoring(self, y) -> str:
        return default_scoring(y)

    def chance(self, y_test, y_train=None):
        return chance_level(y_test, self.scoring(y_test))


class _FMRI(Paradigm):
    """Subjects classified across sites: accuracy next to the training-majority guess."""

    def scoring(self, y) -> str:
        return "accuracy"

    def chance(self, y_test, y_train=None):
        return chance_level(y_test, "accuracy", y_train=y_train)


class _Decoding(Paradigm):
    """Continuous states decoded from binned activity: R² (0 for predicting the mean)."""

    def scoring(self, y) -> str:
        return "r2"

    def chance(self, y_test, y_train=None):
        return 0.0, np.nan


#: EEG: MOABB paradigms' epochs, pipelines in the pipelines folder itself.
EEG = _EEG("eeg", "EEG", 42, True, "", ("within-session",))
#: Resting-state fMRI diagnosis (ABIDE), pipelines in ``fmri/``; seed 0 as ``docs/fmri.md``.
FMRI = _FMRI("fmri", "Resting-state fMRI", FMRI_RANDOM_STATE, False, "fmri", QUICK_PROTOCOLS)
#: Continuous decoding of spike counts, pipelines in ``decoding/``.
DECODING = _Decoding("decoding", "Continuous decoding", None, True, "decoding", ("time-ordered",))

_PARADIGMS: dict = {}


def register_paradigm(paradigm: Paradigm) -> Paradigm:
    """Add a paradigm (a new modality's datasets then find their evaluation)."""
    if not isinstance(paradigm, Paradigm):
        raise TypeError(f"register_paradigm takes a Paradigm, got {type(paradigm).__name__}.")
    _PARADIGMS[paradigm.name] = paradigm
    return paradigm


for _paradigm in (EEG, FMRI, DECODING):
    register_paradigm(_paradigm)
del _paradigm


def paradigm_names() -> list[str]:
    """Names of the registered paradigms, EEG first.

    Examples
    --------
    >>> paradigm_names()
    ['eeg', 'fmri', 'decoding']
    """
    return list(_PARADIGMS)


def get_paradigm(name) -> Paradigm:
    """The registered paradigm called ``name`` (a :class:`Paradigm` is returned as is).

    Examples
    --------
    >>> get_paradigm("fmri").title
    'Resting-state fMRI'
    """
    if isinstance(name, Paradigm):
        return name
    return _PARADIGMS[check_option("paradigm", name, list(_PARADIGMS))]


def pipeline_paradigm(paradigms) -> Paradigm:
    """The paradigm of a pipeline from its file's ``paradigms`` list: the first registered
    paradigm named in it, else EEG (the list names MOABB paradigms).

    Examples
    --------
    >>> [pipeline_paradigm(p).name for p in (["LeftRightImagery"], ["fmri"], ["decoding"])]
    ['eeg', 'fmri', 'decoding']
    """
    listed = set(paradigms)
    return next((p for name, p in _PARADIGMS.items() if name in listed), EEG)


# --------------------------------------------------------------------------------------
# Protocols
# --------------------------------------------------------------------------------------


def _accepted(function, options: dict) -> dict:
    """The items of ``options`` that ``function`` takes as keyword arguments."""
    parameters = inspect.signature(function).parameters.values()
    if any(p.kind is inspect.Parameter.VAR_KEYWORD for p in parameters):
        return dict(options)
    names = {p.name for p in parameters if p.kind is not inspect.Parameter.POSITIONAL_ONLY}
    return {k: v for k, v in options.items() if k in names}


@dataclass(frozen=True)
class Protocol:
    """A named protocol: how a paradigm's data is split and evaluated.

    Parameters
    ----------
    name : str
        The protocol's name (``neuropipe benchmark --protocol NAME``).
    paradigm : str
        Name of its :class:`Paradigm`.
    evaluate : callable
        ``evaluate(pipelines, data, dataset, **options)`` returning rows of
        :data:`~neuropipe.evaluation.protocols.RESULTS_SCHEMA`. A benchmark task passes the
        options it takes among ``cv`` (the splitter, see :meth:`make_splitter`),
        ``random_state``, ``artifacts`` (a list receiving the report's per-fold arrays) and,
        for a ``"held-out"`` scope, ``subjects`` (the held-out subject, in a list).
    splitter : callable | None
        Builds the protocol's cross-validator: a splitter class or factory, called with
        those of ``n_splits`` and ``random_state`` it takes. None: the protocol builds no
        splitter from the run's options (the dataset's own split, or leave one run out).
    scope : {"subject", "held-out", "dataset"}
        What one task covers (:data:`SCOPES`).
    pattern : str | None
        A regular expression for a family of names (``"stratified-(\\d+)fold"``): any
        matching name is this protocol, and ``splitter`` and ``evaluate`` are called with
        ``protocol=<name>``.
    load : callable | None
        ``load(dataset, paradigm, subject)``: the data of a task when the paradigm's
        :meth:`Paradigm.load` of the scope's subjects is not it; it is given
        ``data_path=`` too when the run names a data path (a load that takes none is then
        an error).
    valid : callable | None
        ``valid(dataset, paradigm)``: whether a task of this protocol can be planned on a
        dataset object's paradigm (beyond the paradigm's :meth:`Paradigm.is_valid`).
    share_fits : bool
        The runner may share transformer fits between the pipelines and grid settings of
        a task (its data is one array of epochs).
    summary : str
        One line for the command's help.

    Examples
    --------
    >>> from neuropipe.model_selection import CrossSessionSplitter
    >>> protocol = Protocol("my-cross-session", "eeg", evaluate_cross_session,
    ...                     splitter=CrossSessionSplitter)
    >>> protocol.make_splitter(n_splits=5, random_state=42)
    CrossSessionSplitter(column='session', within='subject')
    """

    name: str
    paradigm: str
    evaluate: Callable
    splitter: Callable | None = None
    scope: str = "subject"
    pattern: str | None = None
    load: Callable | None = None
    valid: Callable | None = None
    share_fits: bool = False
    summary: str = ""

    def __post_init__(self):
        check_option("scope", self.scope, SCOPES)
        if not isinstance(self.name, str) or not self.name:
            raise ValueError(f"A protocol's name is a non-empty string, got {self.name!r}.")

    def matches(self, name) -> bool:
        """Whether ``name`` is this protocol (its name, or a match of its pattern)."""
        if self.pattern is not None:
            return re.fullmatch(self.pattern, str(name)) is not None
        return name == self.name

    def make_splitter(self, *, n_splits: int = 5, random_state=None):
        """The protocol's cross-validator for a run's ``n_splits`` and ``random_state``
        (None when the protocol has no splitter of its own)."""
        if self.splitter is None:
            return None
        options = {"n_splits": n_splits, "random_state": random_state}
        return self.splitter(**_accepted(self.splitter, options))

    def is_valid(self, dataset, paradigm=None) -> bool:
        """Whether a task of this protocol can run on ``dataset`` (an object with
        ``modality``) and its ``paradigm``."""
        if not get_paradigm(self.paradigm).is_valid(dataset):
            return False
        return self.valid is None or bool(self.valid(dataset, paradigm))

    def load_task(self, dataset: str, paradigm: str, subject, *, loader=None, data_path=None):
        """The data of one task.

        Parameters
        ----------
        dataset, paradigm : str
            The task's dataset (name or description) and the dataset's paradigm.
        subject : int | str
            The task's subject (``"all"`` for a ``"dataset"`` scope).
        loader : callable | None
            ``loader(dataset, paradigm, subjects)`` (e.g. a caching one, which reads
            ``data_path`` itself); default the paradigm's :meth:`Paradigm.load`.
        data_path : str | Path | None
            The folder of dataset folders the task reads (see
            :func:`neuropipe.datasets.get_dataset`); None: the search of the sample data.
        """
        if self.load is not None:
            if data_path is None:
                return self.load(dataset, paradigm, subject)
            if not _accepted(self.load, {"data_path": data_path}):
                raise TypeError(
                    f"The load function of protocol {self.name!r} takes no data_path, so it "
                    f"cannot read the run's data path; add a data_path=None parameter to it."
                )
            return self.load(dataset, paradigm, subject, data_path=data_path)
        loader = loader or partial(get_paradigm(self.paradigm).load, data_path=data_path)
        if self.scope == "subject":
            subjects = (subject,)
        elif self.scope == "held-out":
            subjects = tuple(get_dataset(dataset, data_path=data_path).subjects)
        else:
            subjects = None
        return loader(dataset, paradigm, subjects)

    def run(
        self, pipelines, data, dataset, *, subject=None, cv=None, random_state=None, artifacts=None
    ) -> pd.DataFrame:
        """The rows of one task: :attr:`evaluate` given the options it takes, as the
        paradigm's rows (:meth:`Paradigm.rows`)."""
        options = {"cv": cv, "random_state": random_state, "artifacts": artifacts}
        if self.scope == "held-out":
            options["subjects"] = [subject]
        table = self.evaluate(pipelines, data, dataset, **_accepted(self.evaluate, options))
        return get_paradigm(self.paradigm).rows(table)


_PROTOCOLS: dict = {}


def register_protocol(protocol: Protocol) -> Protocol:
    """Add ``protocol`` to the registry (usable by ``neuropipe benchmark --protocol``).

    Parameters
    ----------
    protocol : Protocol
        Its paradigm must be registered; a protocol of the same name is replaced.

    Returns
    -------
    protocol : Protocol

    Examples
    --------
    >>> from neuropipe.model_selection import CrossSubjectSplitter
    >>> _ = register_protocol(Protocol("loso", "eeg", evaluate_cross_subject,
    ...                                splitter=CrossSubjectSplitter, scope="held-out"))
    >>> "loso" in protocol_names("eeg")
    True
    >>> unregister_protocol("loso")
    """
    if not isinstance(protocol, Protocol):
        raise TypeError(f"register_protocol takes a Protocol, got {type(protocol).__name__}.")
    get_paradigm(protocol.paradigm)
    _PROTOCOLS[protocol.name] = protocol
    return protocol


def unregister_protocol(name: str) -> None:
    """Remove the protocol called ``name`` from the registry."""
    _PROTOCOLS.pop(check_option("protocol", name, list(_PROTOCOLS)))


def protocol_names(paradigm=None) -> list[str]:
    """Registered protocol names (of one paradigm's name, if given), in registration order.

    A family of names is listed by its registered name (``"stratified-<k>fold"``).
    """
    return [name for name, p in _PROTOCOLS.items() if paradigm is None or p.paradigm == paradigm]


def get_protocol(name) -> Protocol:
    """The registered protocol called ``name`` (a :class:`Protocol` is returned as is).

    A name of a family (``"stratified-7fold"``) gives the family's protocol bound to that
    name: its ``name`` is the name asked for, and its splitter and evaluate function are
    called with ``protocol=name``.

    Examples
    --------
    >>> get_protocol("stratified-7fold").make_splitter(random_state=0).n_splits
    7
    """
    if isinstance(name, Protocol):
        return name
    if name in _PROTOCOLS and _PROTOCOLS[name].pattern is None:
        return _PROTOCOLS[name]
    for protocol in _PROTOCOLS.values():
        if protocol.pattern is not None and protocol.matches(name):
            splitter = protocol.splitter and partial(protocol.splitter, protocol=name)
            evaluate = partial(protocol.evaluate, protocol=name)
            return replace(protocol, name=name, splitter=splitter, evaluate=evaluate)
    return _PROTOCOLS[check_option("protocol", name, list(_PROTOCOLS))]


def evaluate(protocol, pipelines: dict, data, dataset: str, **kwargs) -> pd.DataFrame:
    """Run the protocol called ``protocol`` on ``data``: rows of
    :data:`~neuropipe.evaluation.protocols.RESULTS_SCHEMA`.

    Parameters
    ----------
    protocol : str | Protocol
        A registered protocol (:func:`protocol_names`): EEG ``"within-session"``,
        ``"cross-session"``, ``"cross-subject"`` (``data`` an ``EpochsData``) or
        ``"pseudo-online"`` (a :class:`~neuropipe.evaluation.pseudo_online.PseudoOnlineData`);
        fMRI ``"leave-site-out"`` or ``"stratified-<k>fold"`` (``data`` as
        :func:`~neuropipe.datasets.load_abide` returns it); decoding ``"time-ordered"``
        (a decoding dataset, e.g. :func:`~neuropipe.datasets.load_flint2012`).
    pipelines : dict of str -> estimator
    data : EpochsData | Bunch | PseudoOnlineData
    dataset : str
        Dataset name written into the results.
    **kwargs
        Options of the protocol's evaluate function (e.g. ``n_splits``, ``random_state``,
        ``artifacts``).
    """
    return get_protocol(protocol).evaluate(pipelines, data, dataset, **kwargs)


def _evaluate_fmri(
    pipelines, data, dataset, *, protocol, cv=None, random_state=None, artifacts=None
):
    """:func:`~neuropipe.evaluation.fmri.evaluate_fmri_protocol` in the registry's order
    of arguments (``random_state`` None: fMRI's documented seed)."""
    seed = FMRI.seed(random_state)
    return evaluate_fmri_protocol(
        pipelines, data, protocol, dataset=dataset, cv=cv, random_state=seed, artifacts=artifacts
    )


def _evaluate_time_ordered(pipelines, data, dataset, *, cv=None, artifacts=None):
    """:func:`~neuropipe.evaluation.decoding.evaluate_time_ordered` in the registry's
    order of arguments (``cv`` None: the dataset's own split)."""
    return evaluate_time_ordered(pipelines, data, dataset=dataset, split=cv, artifacts=artifacts)


def _several_sessions(dataset, paradigm) -> bool:
    """Whether ``dataset`` may hold two sessions of a subject (not known to hold one)."""
    return getattr(dataset, "n_sessions", None) != 1


def _single_band(dataset, paradigm) -> bool:
    """Whether ``paradigm`` of ``dataset`` epochs without a filter bank (the pseudo-online
    protocol decides on one causally filtered signal)."""
    options = getattr(dataset, "paradigms", {})
    options = options.get(paradigm) if isinstance(options, dict) else None
    return not (isinstance(options, dict) and options.get("filter_bank") is not None)


for _protocol in (
    Protocol(
        "within-session",
        "eeg",
        evaluate_within_session,
        splitter=partial(make_splitter, "within-session"),
        share_fits=True,
        summary="stratified k-fold in each session of each subject (MOABB's folds)",
    ),
    Protocol(
        "cross-session",
        "eeg",
        evaluate_cross_session,
        splitter=partial(make_splitter, "cross-session"),
        share_fits=True,
        valid=_several_sessions,
        summary="leave one session out, within each subject",
    ),
    Protocol(
        "cross-subject",
        "eeg",
        evaluate_cross_subject,
        splitter=partial(make_splitter, "cross-subject"),
        scope="held-out",
        share_fits=True,
        summary="leave one subject out",
    ),
    Protocol(
        "pseudo-online",
        "eeg",
        evaluate_pseudo_online,
        load=load_pseudo_online,
        valid=_single_band,
        summary="leave one run out, a window sliding over the held-out run, an idle class",
    ),
    Protocol(
        "leave-site-out",
        "fmri",
        partial(_evaluate_fmri, protocol="leave-site-out"),
        splitter=partial(make_splitter, "leave-site-out"),
        scope="dataset",
        summary="train on all sites but one, test on the held-out site",
    ),
    Protocol(
        "stratified-<k>fold",
        "fmri",
        _evaluate_fmri,
        splitter=make_splitter,
        scope="dataset",
        pattern=r"stratified-(\d+)fold",
        summary="k folds stratified by site and label (any k >= 2, e.g. stratified-10fold)",
    ),
    Protocol(
        "time-ordered",
        "decoding",
        _evaluate_time_ordered,
        scope="dataset",
        summary="train on the first part of the recording, test on the last",
    ),
):
    register_protocol(_protocol)
del _protocol
