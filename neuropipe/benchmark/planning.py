"""Planning a benchmark: the tasks of every pipeline file on every dataset of its paradigm.

Every paradigm (:mod:`neuropipe.evaluation.paradigms`: EEG, fMRI, decoding, or one a user
registered) is planned the same way: the datasets of its modality (the dataset registry,
:func:`neuropipe.datasets.dataset_names`), its pipelines (EEG: the files of the pipelines
folder; the others: the paradigm's sub-folder, ``fmri/`` or ``decoding/``) and its
protocols (the protocol registry) give independent tasks
(:class:`~neuropipe.benchmark.tasks.BenchmarkTask`: one per dataset, paradigm, protocol,
subject and pipeline) that :mod:`neuropipe.benchmark.runner` runs. A protocol's scope says
what one task covers: one subject, one held-out subject, or the whole dataset (subject
``"all"``). A run may name a data path (``data_path``, ``neuropipe benchmark --data-path``):
a folder of dataset folders from which every registered dataset is read
(:func:`neuropipe.datasets.get_dataset`); each task carries it to the worker that runs it.
"""

from __future__ import annotations

import os

from .._validation import DataFileError, check_option
from ..datasets import dataset_modality, dataset_names, get_dataset
from ..datasets.user import DatasetSpecError
from ..evaluation.paradigms import EEG, get_paradigm, get_protocol, paradigm_names
from .pipeline_files import family_sources, load_pipelines
from .tasks import BenchmarkTask

__all__ = ["plan_benchmark", "plan_families"]


def plan_benchmark(
    configs, datasets=None, subjects=None, protocol: str = "within-session", data_path=None
) -> list[BenchmarkTask]:
    """List the tasks of a benchmark under one protocol.

    Parameters
    ----------
    configs : list of dict
        Pipeline configs (see :func:`neuropipe.benchmark.pipeline_files.load_pipelines`);
        a pipeline is planned on the dataset paradigms its ``paradigms`` list.
    datasets : list of str | None
        Dataset names or descriptions; default every registered dataset of the protocol's
        paradigm.
    subjects : list of int | None
        Restrict every dataset to these subjects (those it has); not used by protocols
        whose task covers the whole dataset.
    protocol : str
        A registered protocol (:func:`neuropipe.evaluation.paradigms.protocol_names`), e.g.
        ``"within-session"``, ``"pseudo-online"`` (filter-bank paradigms are not
        planned), ``"stratified-10fold"`` or ``"time-ordered"``.
    data_path : str | Path | None
        A folder of dataset folders (as a checkout's ``data/``): every registered dataset
        with a sample-data folder is read from ``data_path/<folder>``, and only there (an
        error naming it when it is missing); user specs are not affected. The tasks carry
        it (absolute). None: the search of :mod:`neuropipe.datasets.paths`.

    Returns
    -------
    tasks : list of BenchmarkTask
    """
    protocol = get_protocol(protocol)
    if data_path is not None:
        data_path = os.path.abspath(os.path.expanduser(os.fspath(data_path)))
    paradigm = get_paradigm(protocol.paradigm)
    known = dataset_names(paradigm.name)
    names = known if datasets is None else list(datasets)
    found = {}
    unknown = []
    for name in dict.fromkeys(names):
        if not isinstance(name, str):
            raise TypeError(f"Dataset names must be strings, got {name!r}.")
        try:
            found[name] = get_dataset(name, data_path=data_path)
        except (FileNotFoundError, DataFileError, DatasetSpecError):
            raise  # a known dataset whose files are not there, or a malformed spec: say where
        except (ValueError, TypeError) as exc:
            unknown.append((name, " ".join(str(exc).split())))
            continue
        if not paradigm.is_valid(found[name]):
            unknown.append((name, f"a {found[name].modality} dataset"))
    if unknown:
        raise ValueError(
            f"Unknown datasets {[n for n, _ in unknown]} ({unknown[0][1]}); {paradigm.name} "
            f"datasets are {known} (see 'neuropipe datasets')."
        )
    whole = protocol.scope == "dataset"
    if subjects is not None and not whole:
        available = {n: list(d.subjects) for n, d in found.items()}
        if not any(s in subs for subs in available.values() for s in subjects):
            raise ValueError(
                f"Subjects {list(subjects)} are in none of the datasets asked for; they "
                f"hold subjects {available}."
            )
    tasks = []
    for name, dataset in found.items():
        if whole:
            candidates = ["all"]
        else:  # no subject named: a MOABB dataset offers those on disk (no download unasked)
            pool = (
                dataset.subjects
                if subjects is not None
                else getattr(dataset, "default_subjects", dataset.subjects)
            )
            if protocol.scope == "held-out" and len(pool) < 2:
                continue  # held-out subjects are tested against the others of the pool
            candidates = [s for s in pool if subjects is None or s in subjects]
        for dataset_paradigm in dataset.paradigms:
            if not protocol.is_valid(dataset, dataset_paradigm):
                continue
            for config in configs:
                if dataset_paradigm not in config["paradigms"]:
                    continue
                for subject in candidates:
                    tasks.append(
                        BenchmarkTask(
                            name,
                            dataset_paradigm,
                            protocol.name,
                            subject,
                            config["name"],
                            config["source"],
                            data_path=data_path,
                        )
                    )
    return tasks


def _modality(name) -> str:
    """The modality of a dataset name; an unknown name is left to the EEG planner, whose
    error lists the datasets."""
    try:
        return dataset_modality(name)
    except ValueError:
        return EEG.name


def plan_families(
    pipelines_dir="pipelines",
    datasets=None,
    subjects=None,
    *,
    families=("eeg",),
    protocol: str = "within-session",
    fmri_protocols=None,
    include_slow: bool = False,
    data_path=None,
) -> dict:
    """The tasks of each paradigm asked for: ``{paradigm name: [BenchmarkTask, ...]}``.

    EEG pipelines are the files of ``pipelines_dir``; the other paradigms' pipelines those
    of its folders' paradigm sub-folders (``fmri/``, ``decoding/``) and the files given that
    list the paradigm (:func:`~neuropipe.benchmark.pipeline_files.family_sources`; a
    paradigm with none plans no task). ``datasets`` may mix the paradigms' datasets; each
    paradigm takes those of its modality (all of them when ``datasets`` is None).

    Parameters
    ----------
    families : sequence of str
        Paradigm names (:func:`~neuropipe.evaluation.paradigms.paradigm_names`).
    protocol : str
        A registered protocol; its paradigm runs it, the others their default protocols.
    fmri_protocols : sequence of str | None
        More protocols (e.g. the fMRI ones, ``stratified-10fold leave-site-out``); each
        paradigm runs those of its own, else its ``default_protocols``.
    data_path : str | Path | None
        The folder of dataset folders every task reads (see :func:`plan_benchmark`); None:
        the search of the sample data.
    """
    for family in families:
        check_option("family", family, paradigm_names())
    asked = [protocol, *(fmri_protocols or [])]
    by_paradigm = {}
    for name in asked:
        by_paradigm.setdefault(get_protocol(name).paradigm, []).append(name)
    plans = {}
    for name in paradigm_names():
        if name not in families:
            continue
        paradigm = get_paradigm(name)
        names = None if datasets is None else [d for d in datasets if _modality(d) == name]
        if names == []:
            plans[name] = []
            continue
        sources = family_sources(pipelines_dir, name)
        configs = [
            config
            for config in (load_pipelines(sources, include_slow=include_slow) if sources else [])
            if paradigm.serves(config["paradigms"])
        ]
        plans[name] = [
            task
            for protocol_name in by_paradigm.get(name, paradigm.default_protocols)
            for task in plan_benchmark(configs, names, subjects, protocol_name, data_path)
        ]
    return plans
