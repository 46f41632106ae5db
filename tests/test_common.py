"""scikit-learn's ``check_estimator`` over every public estimator of neuropipe.

The estimators are those :func:`neuropipe.discovery.all_estimators` finds (the same walk
that makes them trusted in saved models and documented in ``docs/api.md``), so a new
estimator is checked without touching this file, unless it needs constructor arguments
(:data:`INSTANCES_OF`), cannot be checked at all (:data:`NOT_CHECKED`, with the reason) or
fails a check by design: :data:`EXPECTED_FAILED_CHECKS` is the one table of expected
failures, each with its reason. A walk of the whole package finds the estimator classes
that discovery misses (not exported by their room); each must be listed in
:data:`NOT_DISCOVERED` with its reason, and is checked all the same. Expected failures are strict: a listed check that passes
fails the test, so the table cannot go stale. One test per estimator instance runs the
whole suite (``check_estimator(..., on_fail=None)``), which keeps this file fast.

Most expected failures come from input types: scikit-learn's checks feed 2-D
``(n_samples, n_features)`` arrays, while epochs transformers take 3-D epochs, graph
stages take 3-D adjacency stacks or lists of time series, and ComBat takes a DataFrame.
Each of those estimators is tested on its own input types in its own test file
(pickling, cloning, order and subset invariance, refitting).
"""

from __future__ import annotations

import importlib
import inspect
import pkgutil
import re

import numpy as np
import pytest
from pyriemann.classification import MDM
from sklearn.base import BaseEstimator, clone
from sklearn.feature_selection import f_classif
from sklearn.linear_model import Ridge
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import Normalizer
from sklearn.utils import get_tags
from sklearn.utils.estimator_checks import check_estimator

import neuropipe
from neuropipe._validation import RecordingArray
from neuropipe.discovery import all_estimators


def walk_estimators():
    """Every estimator class of a public module of neuropipe, by name, from a walk of the
    package (a class may name its package as its module: ``neuropipe.features.PSD``)."""
    classes = {}
    for info in pkgutil.walk_packages(neuropipe.__path__, "neuropipe."):
        if any(part.startswith("_") for part in info.name.split(".")):
            continue
        module = importlib.import_module(info.name)
        for name, obj in vars(module).items():
            if (
                inspect.isclass(obj)
                and issubclass(obj, BaseEstimator)
                and obj.__module__.split(".")[0] == "neuropipe"
                and not any(part.startswith("_") for part in obj.__module__.split("."))
                and not name.startswith("_")
                and not inspect.isabstract(obj)
            ):
                classes[name] = obj
    return dict(sorted(classes.items()))


DISCOVERED = {cls.__name__: cls for _, cls in all_estimators()}
#: Estimator classes that discovery does not return (not in an estimator room's
#: ``__all__``), each with the reason; they are checked all the same.
NOT_DISCOVERED = {
    "PerEpochSteps": "the benchmark runner's cache of per-epoch steps (neuropipe.benchmark), "
    "not a model-building stage",
}
#: Discovered estimators that ``check_estimator`` does not run on, each with the reason.
NOT_CHECKED: dict[str, str] = {}
ESTIMATORS = {
    **DISCOVERED,
    **{name: cls for name, cls in walk_estimators().items() if name in NOT_DISCOVERED},
}

#: Instances to check, for the estimators whose constructor needs arguments and for
#: settings that take another code path; any other estimator is checked as ``cls()``.
INSTANCES_OF = {
    "PSD": lambda cls: [cls(160.0, fmin=8, fmax=30), cls(160.0, method="welch")],
    "BandPower": lambda cls: [cls(160.0)],
    "Connectivity": lambda cls: [cls(160.0, fmin=8, fmax=30), cls(160.0, metric="pli")],
    "BandPass": lambda cls: [cls(100.0)],
    "FilterBank": lambda cls: [cls(100.0)],
    "PickChannels": lambda cls: [cls(["C3", "Cz", "C4"], ["C4", "C3"])],
    "FilterBankTangentSpace": lambda cls: [cls(160.0)],
    "CCACorrelations": lambda cls: [cls(256.0, [13.0, 17.0])],
    "SSVEPCCA": lambda cls: [cls(256.0, freqs=[13.0, 17.0])],
    "TRCA": lambda cls: [cls(256.0)],
    "EmbeddingSearchCV": lambda cls: [cls(MDM())],
    "ROIMask": lambda cls: [cls(k=1)],
    "ScoreSelector": lambda cls: [cls(k=2), cls(f_classif, k=2, rule="autofeat")],
    "R2Selector": lambda cls: [cls(k=2), cls(k=2, rule="autofeat")],
    "FisherSelector": lambda cls: [cls(k=2)],
    "MutualInfoSelector": lambda cls: [cls(k=2, random_state=0)],
    "BandSelector": lambda cls: [cls(), cls(band=(0, 1))],
    "DiscriminativeKalmanFilter": lambda cls: [
        cls(random_state=0),
        cls(regressor=Ridge(), robust=True, random_state=0),
        cls(regressor=Ridge(), bins_before=2, holdout_split="last", q_scale="auto", random_state=0),
    ],
    "SubsampledRegressor": lambda cls: [cls(Ridge(), max_samples=15, random_state=0)],
    "NadarayaWatsonRegressor": lambda cls: [cls(random_state=0)],
    "SpikeHistory": lambda cls: [cls(bins_before=2)],
    "PerEpochSteps": lambda cls: [cls(make_pipeline(Normalizer()))],  # a per-sample step
}


def _instances():
    instances, unbuilt = [], []
    for name, cls in ESTIMATORS.items():
        if name in NOT_CHECKED:
            continue
        make = INSTANCES_OF.get(name, lambda cls: [cls()])
        try:
            instances.extend(make(cls))
        except TypeError:  # required arguments: reported by test_every_estimator_is_checked
            unbuilt.append(name)
    return instances, unbuilt


INSTANCES, UNBUILT = _instances()


# --- the one table of expected failures ------------------------------------------------------

#: Checks that feed 2-D ``(n_samples, n_features)`` data: dense, sparse, complex, empty,
#: read-only or of another dtype.
_FEED_2D_X = [
    "check_complex_data",
    "check_dict_unchanged",
    "check_dont_overwrite_parameters",
    "check_dtype_object",
    "check_estimator_sparse_array",
    "check_estimator_sparse_matrix",
    "check_estimator_sparse_tag",
    "check_estimators_dtypes",
    "check_estimators_empty_data_messages",
    "check_estimators_fit_returns_self",
    "check_estimators_nan_inf",
    "check_estimators_overwrite_params",
    "check_estimators_pickle",
    "check_f_contiguous_array_estimator",
    "check_fit2d_1feature",
    "check_fit2d_1sample",
    "check_fit2d_predict1d",
    "check_fit_check_is_fitted",
    "check_fit_idempotent",
    "check_fit_score_takes_y",
    "check_methods_sample_order_invariance",
    "check_methods_subset_invariance",
    "check_n_features_in",
    "check_n_features_in_after_fitting",
    "check_pipeline_consistency",
    "check_positive_only_tag_during_fit",
    "check_readonly_memmap_input",
]
_TRANSFORMER_2D_X = [
    "check_transformer_data_not_an_array",
    "check_transformer_general",
    "check_transformer_preserve_dtypes",
]
_CLASSIFIER_2D_X = [
    "check_classifier_data_not_an_array",
    "check_classifiers_classes",
    "check_classifiers_one_label",
    "check_classifiers_regression_target",
    "check_classifiers_train",
    "check_supervised_y_2d",
]

# Reasons, by the input an estimator takes instead of a 2-D feature matrix.
EPOCHS = "feeds 2-D X; takes 3-D epochs (n_epochs, n_channels, n_times) (4-D filter banks)"
EPOCHS_Y_LATER = EPOCHS + "; X is refused for its rank before y is looked at"
GRAPHS = "feeds 2-D X; takes (n_subjects, n_rois, n_rois) graphs"
SUBJECTS = "feeds 2-D X; takes a list of (n_timepoints, n_rois) arrays, one per subject"
DATAFRAME = "feeds a plain 2-D array; takes a DataFrame with a SITE_ID column"
TANGENT_VECTORS = "draws X with a feature count that is not n * (n + 1) / 2 (tangent vectors)"
# Reasons of the decoders, whose rows are time bins.
TIME_ORDER = {
    "check_methods_subset_invariance": "outputs depend on neighbouring time bins",
    "check_methods_sample_order_invariance": "outputs depend on the order of time bins",
}
DETERMINISTIC_STATES = "y = [1, 2] * 10 gives z_t = -z_{t-1} exactly: Gamma is 0"
EXACT_REGRESSOR = "the kernel regressor predicts make_blobs labels exactly: Q is 0"


def _because(reason, *groups):
    return {check: reason for group in groups for check in group}


_EPOCHS_TRANSFORMER = _because(EPOCHS, _FEED_2D_X, _TRANSFORMER_2D_X)
_GRAPHS_TRANSFORMER = _because(GRAPHS, _FEED_2D_X, _TRANSFORMER_2D_X)
_SUBJECTS_TRANSFORMER = _because(SUBJECTS, _FEED_2D_X, _TRANSFORMER_2D_X)

#: Estimator name (or ``(name, (parameter, value))`` for one setting of it) -> the checks
#: it fails by design, each with its reason. Every other check must pass.
EXPECTED_FAILED_CHECKS = {
    # epochs in
    **dict.fromkeys(
        [
            "AugmentedCovariances",
            "AutoAugmentedCovariances",
            "BandPass",
            "BandPower",
            "CCACorrelations",
            "CommonAverageReference",
            "Connectivity",
            "FilterBank",
            "FilterBankTangentSpace",
            "NodeStrength",
            "PSD",
            "PickChannels",
            "StackBands",
        ],
        _EPOCHS_TRANSFORMER,
    ),
    "CSP": _because(EPOCHS_Y_LATER, _FEED_2D_X, _TRANSFORMER_2D_X, ["check_requires_y_none"]),
    "EmbeddingSearchCV": _because(EPOCHS, _FEED_2D_X, _CLASSIFIER_2D_X),
    "SSVEPCCA": _because(EPOCHS_Y_LATER, _FEED_2D_X, _CLASSIFIER_2D_X, ["check_requires_y_none"]),
    "TRCA": _because(EPOCHS_Y_LATER, _FEED_2D_X, _CLASSIFIER_2D_X, ["check_requires_y_none"]),
    # graphs and subjects' time series in (fMRI)
    "DensityIntegratedMetrics": _GRAPHS_TRANSFORMER,
    "EdgeVector": _GRAPHS_TRANSFORMER,
    "GraphMetrics": _GRAPHS_TRANSFORMER,
    "ConnectivityGraph": _SUBJECTS_TRANSFORMER,
    "TangentConnectome": _SUBJECTS_TRANSFORMER,
    "ComBat": _because(DATAFRAME, _FEED_2D_X, _TRANSFORMER_2D_X),
    "FisherGeodesicFilter": {
        **_because(
            TANGENT_VECTORS,
            [
                "check_estimators_dtypes",
                "check_estimators_fit_returns_self",
                "check_estimators_overwrite_params",
                "check_fit_check_is_fitted",
                "check_fit_idempotent",
                "check_n_features_in",
                "check_n_features_in_after_fitting",
                "check_positive_only_tag_during_fit",
                "check_readonly_memmap_input",
            ],
        ),
        "check_fit2d_1sample": "the error for one sample names the missing second class",
    },
    # decoders: rows are time bins
    "KalmanFilterRegressor": {
        **TIME_ORDER,
        "check_regressor_multioutput": "11 bins cannot estimate a 10 x 10 Lambda",
        "check_regressors_no_decision_function": "y = X[:, 0] makes Lambda singular",
        "check_estimators_dtypes": DETERMINISTIC_STATES,
    },
    "DiscriminativeKalmanFilter": {
        **TIME_ORDER,
        "check_regressor_multioutput": "3 held-out bins cannot estimate a 5 x 5 Q",
        "check_estimators_dtypes": DETERMINISTIC_STATES,
    },
    ("DiscriminativeKalmanFilter", ("regressor", None)): {
        "check_pipeline_consistency": EXACT_REGRESSOR,
        "check_estimators_pickle": EXACT_REGRESSOR,
    },
    "SpikeHistory": TIME_ORDER,
}


def expected_failed_checks(estimator):
    """The checks ``estimator`` fails by design, with their reasons (from the table)."""
    name = type(estimator).__name__
    expected = dict(EXPECTED_FAILED_CHECKS.get(name, {}))
    for key, checks in EXPECTED_FAILED_CHECKS.items():
        if isinstance(key, tuple) and key[0] == name:
            parameter, value = key[1]
            if estimator.get_params()[parameter] == value:
                expected.update(checks)
    return expected


def _id(estimator):
    return re.sub(r"<function (\w+) at 0x\w+>", r"\1", " ".join(repr(estimator).split()))


@pytest.mark.parametrize("estimator", INSTANCES, ids=_id)
def test_sklearn_compatible(estimator):
    """Every check passes but those the table lists, and every listed one fails."""
    expected = expected_failed_checks(estimator)
    results = check_estimator(
        estimator, expected_failed_checks=expected, on_fail=None, on_skip=None
    )
    failed = {r["check_name"]: r["exception"] for r in results if r["status"] == "failed"}
    assert not failed, f"unexpected failures of {_id(estimator)}: {failed}"
    stale = set(expected) - {r["check_name"] for r in results if r["status"] == "xfail"}
    assert not stale, f"{_id(estimator)} passes {sorted(stale)}: take them out of the table"


def test_every_public_estimator_is_found():
    """Discovery finds the estimators of every room, each by the path users import."""
    paths = dict(all_estimators())
    assert {
        "neuropipe.decoders.KalmanFilterRegressor",
        "neuropipe.ensemble.FilterBankTangentSpace",
        "neuropipe.features.PSD",
        "neuropipe.features.TangentConnectome",
        "neuropipe.harmonization.ComBat",
        "neuropipe.model_selection.EmbeddingSearchCV",
        "neuropipe.preprocessing.EpochsToArray",
        "neuropipe.selection.ROIMask",
    } <= set(paths)
    assert len(paths) >= 35
    for path, cls in paths.items():  # saved models record this name (skops)
        assert f"{cls.__module__}.{cls.__qualname__}" == path, (
            f"{cls.__qualname__} names module {cls.__module__!r}, not its room; decorate it "
            f"with neuropipe._docs.public_module({path.rpartition('.')[0]!r})"
        )


def test_every_estimator_class_is_discovered():
    """An estimator class that its room does not export is listed, with the reason."""
    missed = set(walk_estimators()) - set(DISCOVERED)
    assert missed == set(NOT_DISCOVERED), (
        f"{sorted(missed - set(NOT_DISCOVERED))} are estimators that no room exports: add "
        f"them to their room's __all__ (neuropipe.discovery.ROOMS), or to NOT_DISCOVERED "
        f"in tests/test_common.py with the reason"
    )


def test_every_estimator_is_checked():
    """Every estimator runs ``check_estimator`` or is listed with its reason."""
    assert not UNBUILT, (
        f"{UNBUILT} cannot be built without arguments: add them to INSTANCES_OF in "
        f"tests/test_common.py"
    )
    checked = {type(estimator).__name__ for estimator in INSTANCES}
    assert checked | set(NOT_CHECKED) == set(ESTIMATORS)
    assert not checked & set(NOT_CHECKED)


def test_epoch_estimators_declare_three_d_arrays():
    """The estimators that take epochs (their expected failures say so) declare
    scikit-learn's ``three_d_array`` input tag, and count channels as features."""
    epochs = {
        name
        for name, checks in EXPECTED_FAILED_CHECKS.items()
        if isinstance(name, str) and any(reason.startswith(EPOCHS) for reason in checks.values())
    }
    assert len(epochs) >= 17
    for estimator in INSTANCES:
        if type(estimator).__name__ in epochs:
            assert get_tags(estimator).input_tags.three_d_array, type(estimator).__name__


def test_table_names_only_estimators_and_checks_that_exist():
    names = {key[0] if isinstance(key, tuple) else key for key in EXPECTED_FAILED_CHECKS}
    assert names <= set(ESTIMATORS)


def test_epoch_estimators_take_the_rate_from_the_data():
    """The epoch shell: an estimator with an ``sfreq`` parameter left at None takes the
    rate of a :class:`~neuropipe._validation.RecordingArray` (what ``EpochsToArray`` and
    ``with_recording_info`` give the steps after them), and counts channels as features."""
    X = RecordingArray(np.random.default_rng(0).standard_normal((12, 3, 512)), sfreq=256.0)
    y = np.repeat([0, 1], 6)
    fitted = set()
    for estimator in INSTANCES:
        params = estimator.get_params(deep=False)
        if not get_tags(estimator).input_tags.three_d_array or "sfreq" not in params:
            continue
        if type(estimator).__name__ == "BandPass":  # its rate is a required parameter
            continue
        model = clone(estimator).set_params(sfreq=None).fit(X, y)
        assert model.sfreq_ == 256.0, type(model).__name__
        assert model.n_features_in_ == 3, type(model).__name__
        fitted.add(type(model).__name__)
    assert {"PSD", "BandPower", "Connectivity", "CCACorrelations", "SSVEPCCA", "TRCA"} <= fitted
    assert {"FilterBank", "FilterBankTangentSpace", "EpochsToArray"} <= fitted


def test_every_docstring_is_filled():
    """No ``%(name)s`` placeholder of :func:`neuropipe._docs.fill_doc` is left unfilled."""
    for name, cls in ESTIMATORS.items():
        for obj in (cls, *vars(cls).values()):
            assert "%(" not in (getattr(obj, "__doc__", None) or ""), f"{name}: {obj}"
