"""Planning a benchmark: the tasks of every pipeline file on every dataset of its paradigm.

Three families share one evaluation and one runner: EEG (pipeline files in the pipelines
folder, MOABB paradigms), fMRI (``<folder>/fmri``, the ABIDE subset under the quick
protocols) and continuous decoding (``<folder>/decoding``, time-ordered split of each
decoding dataset). The work is planned as independent tasks
(:class:`~neuropipe.benchmark.tasks.BenchmarkTask`: one per dataset, paradigm, protocol,
subject and pipeline) that :mod:`neuropipe.benchmark.runner` runs.
"""

from __future__ import annotations

from .._validation import DataFileError, check_option
from ..datasets import EEG_DATASETS, get_dataset
from ..datasets.user import DatasetSpecError
from ..evaluation.decoding import DECODING_DATASETS
from ..evaluation.fmri import FMRI_DATASET, QUICK_PROTOCOLS, is_fmri_protocol
from ..evaluation.protocols import EVALUATIONS
from .pipeline_files import family_sources, load_pipelines
from .tasks import BenchmarkTask

__all__ = [
    "FAMILIES",
    "dataset_family",
    "plan_benchmark",
    "plan_decoding",
    "plan_families",
    "plan_fmri",
]


def plan_benchmark(
    configs, datasets=None, subjects=None, protocol: str = "within-session"
) -> list[BenchmarkTask]:
    """List the tasks of a benchmark.

    Parameters
    ----------
    configs : list of dict
        Pipeline configs (see :func:`neuropipe.benchmark.pipeline_files.load_pipelines`).
    datasets : list of str | None
        Dataset names; default all bundled EEG datasets.
    subjects : list of int | None
        Restrict every dataset to these subjects (those it has).
    protocol : str
        A key of :data:`neuropipe.evaluation.protocols.EVALUATIONS`, or
        ``"pseudo-online"`` (:mod:`neuropipe.evaluation.pseudo_online`; filter-bank
        paradigms are not planned).

    Returns
    -------
    tasks : list of BenchmarkTask
    """
    check_option("protocol", protocol, [*EVALUATIONS, "pseudo-online"])
    names = list(EEG_DATASETS) if datasets is None else list(datasets)
    found = {}
    unknown = []
    for name in dict.fromkeys(names):
        if not isinstance(name, str):
            raise TypeError(f"Dataset names must be strings, got {name!r}.")
        try:
            found[name] = get_dataset(name)
        except (FileNotFoundError, DataFileError, DatasetSpecError):
            raise  # a known dataset whose files are not there, or a malformed spec: say where
        except (ValueError, TypeError) as exc:
            unknown.append((name, " ".join(str(exc).split())))
    if unknown:
        raise ValueError(
            f"Unknown datasets {[n for n, _ in unknown]} ({unknown[0][1]}); bundled EEG "
            f"datasets are {list(EEG_DATASETS)} (see 'neuropipe datasets')."
        )
    if subjects is not None:
        available = {n: list(d.subjects) for n, d in found.items()}
        if not any(s in subs for subs in available.values() for s in subjects):
            raise ValueError(
                f"Subjects {list(subjects)} are in none of the datasets asked for; they "
                f"hold subjects {available}."
            )
    tasks = []
    for name, dataset in found.items():
        # no subject named: a MOABB dataset offers those on disk (no download unasked)
        candidates = (
            dataset.subjects
            if subjects is not None
            else getattr(dataset, "default_subjects", dataset.subjects)
        )
        if protocol == "cross-subject" and len(candidates) < 2:
            continue
        for paradigm in dataset.paradigms:
            if protocol == "pseudo-online" and _filter_bank(dataset, paradigm):
                continue  # one causally filtered signal is decided on: no filter bank
            for config in configs:
                if paradigm not in config["paradigms"]:
                    continue
                for subject in candidates:
                    if subjects is None or subject in subjects:
                        tasks.append(
                            BenchmarkTask(
                                name,
                                paradigm,
                                protocol,
                                subject,
                                config["name"],
                                config["source"],
                            )
                        )
    return tasks


def _filter_bank(dataset, paradigm) -> bool:
    """Whether ``paradigm`` of ``dataset`` epochs through a filter bank."""
    options = getattr(dataset, "paradigms", {})
    options = options.get(paradigm) if isinstance(options, dict) else None
    return isinstance(options, dict) and options.get("filter_bank") is not None


#: The benchmark families, in the order their tasks are planned.
FAMILIES = ("eeg", "fmri", "decoding")


def dataset_family(name: str) -> str:
    """``"fmri"``, ``"decoding"`` or ``"eeg"`` (bundled EEG and user datasets).

    Examples
    --------
    >>> [dataset_family(n) for n in ("flint2012", "abide-pcp-cc200", "eegmmidb-leftright")]
    ['decoding', 'fmri', 'eeg']
    """
    if name in DECODING_DATASETS:
        return "decoding"
    return "fmri" if name == FMRI_DATASET else "eeg"


def plan_fmri(configs, protocols=None) -> list[BenchmarkTask]:
    """One task per fMRI pipeline and protocol (all the protocol's folds, on ABIDE).

    Parameters
    ----------
    configs : list of dict
        Pipeline configs; those listing the ``"fmri"`` paradigm are planned.
    protocols : sequence of str | None
        Default :data:`neuropipe.evaluation.fmri.QUICK_PROTOCOLS`.

    Returns
    -------
    tasks : list of BenchmarkTask
    """
    protocols = list(QUICK_PROTOCOLS if protocols is None else protocols)
    for protocol in protocols:
        if not is_fmri_protocol(protocol):
            check_option("fMRI protocol", protocol, ["leave-site-out", "stratified-10fold"])
    return [
        BenchmarkTask(FMRI_DATASET, "fmri", protocol, "all", c["name"], c["source"])
        for c in configs
        if "fmri" in c["paradigms"]
        for protocol in protocols
    ]


def plan_decoding(configs, datasets=None) -> list[BenchmarkTask]:
    """One task per decoding pipeline and decoding dataset (its time-ordered split).

    Parameters
    ----------
    configs : list of dict
        Pipeline configs; those listing the ``"decoding"`` paradigm are planned.
    datasets : list of str | None
        Decoding datasets (default all of ``DECODING_DATASETS``).

    Returns
    -------
    tasks : list of BenchmarkTask
    """
    names = list(DECODING_DATASETS) if datasets is None else list(datasets)
    unknown = [n for n in names if n not in DECODING_DATASETS]
    if unknown:
        raise ValueError(
            f"Unknown decoding datasets {unknown}; known are {list(DECODING_DATASETS)}."
        )
    return [
        BenchmarkTask(name, "decoding", "time-ordered", "all", c["name"], c["source"])
        for name in names
        for c in configs
        if "decoding" in c["paradigms"]
    ]


def plan_families(
    pipelines_dir="pipelines",
    datasets=None,
    subjects=None,
    *,
    families=("eeg",),
    protocol: str = "within-session",
    fmri_protocols=None,
    include_slow: bool = False,
) -> dict:
    """The tasks of each family asked for: ``{family: [BenchmarkTask, ...]}``.

    EEG pipelines are the files of ``pipelines_dir``; fMRI and decoding pipelines those of
    its folders' ``fmri/`` and ``decoding/`` sub-folders and the files given that list the
    family's paradigm (:func:`~neuropipe.benchmark.pipeline_files.family_sources`; a family
    with none plans no task). ``datasets`` may mix the families' datasets; each family
    takes its own (all of them when ``datasets`` is None).
    """
    for family in families:
        check_option("family", family, list(FAMILIES))
    by_family = {f: None for f in FAMILIES}
    if datasets is not None:
        for family in FAMILIES:
            by_family[family] = [d for d in datasets if dataset_family(d) == family]
    plans = {}
    for family in FAMILIES:
        if family not in families:
            continue
        if family == "eeg":
            configs = load_pipelines(pipelines_dir, include_slow=include_slow)
            eeg = by_family["eeg"]
            plans["eeg"] = [] if eeg == [] else plan_benchmark(configs, eeg, subjects, protocol)
            continue
        sources = family_sources(pipelines_dir, family)
        configs = (
            load_pipelines(sources, include_slow=include_slow, paradigm=family) if sources else []
        )
        if family == "fmri":
            plans["fmri"] = [] if by_family["fmri"] == [] else plan_fmri(configs, fmri_protocols)
        else:
            names = by_family["decoding"]
            plans["decoding"] = [] if names == [] else plan_decoding(configs, names)
    return plans
