"""Transfer protocol: calibration help from other subjects' trials.

A separate protocol, never mixed into the within-session tables. For each target subject,
the target's trials are split into MOABB's within-session folds
(``StratifiedKFold(n_splits, shuffle=True, random_state)``); in each fold the pipeline is
fitted on **every trial of the other subjects** plus the target's **calibration trials**
(the fold's training trials, or a stratified subset of them) and scored on the fold's test
trials, which never enter the fit. The test trials are those of the within-session
protocol, so a transfer row can be set beside the same subject's within-session row.

Pipelines for this protocol see domain-encoded labels (``"<subject>/<label>"``,
:func:`pyriemann.transfer.encode_domains`) and are told which domain is the target through
every parameter named ``*target_domain``: :func:`recentering_pipeline` builds pyRiemann's
Riemannian re-centering (Zanini et al. 2018), optionally with stretching and Procrustes
rotation (Rodrigues et al. 2019). Re-centering whitens each subject by the Riemannian mean
of its own fitted trials; the target's reference is the mean of its calibration trials
only, and test trials are whitened with it (``TLCenter.transform``).
"""

from __future__ import annotations

import time

import numpy as np
import pandas as pd
from sklearn.base import clone
from sklearn.metrics import accuracy_score, roc_auc_score
from sklearn.model_selection import StratifiedKFold, train_test_split
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import LabelEncoder

from .._validation import check_labels, check_positive_int
from ..io.eeg import EpochsData
from ..preprocessing import with_recording_info
from .chance import chance_level
from .protocols import RESULT_COLUMNS

__all__ = ["evaluate_transfer", "recentering_pipeline"]


def recentering_pipeline(classifier, *, estimator="oas", stretch=False, rotate=False):
    """Covariances, per-subject Riemannian re-centering, then ``classifier``.

    Parameters
    ----------
    classifier : estimator
        A classifier of SPD matrices (e.g. pyRiemann's ``FgMDM``, or a tangent space
        followed by a vector classifier), fitted on the re-centred matrices of all
        fitted subjects with the plain class labels.
    estimator : str
        Covariance estimator of :class:`pyriemann.estimation.Covariances`.
    stretch : bool
        Also equalise each subject's dispersion around the identity (``TLScale``).
    rotate : bool
        Also rotate each source subject so that its class means match the target's
        (``TLRotate``, Procrustes; uses the target's calibration labels).

    Returns
    -------
    pipeline : sklearn.pipeline.Pipeline
        Fitted with domain-encoded labels (:func:`pyriemann.transfer.encode_domains`);
        its ``*target_domain`` parameters are set by :func:`evaluate_transfer`.

    Examples
    --------
    >>> import numpy as np
    >>> from pyriemann.classification import MDM
    >>> from pyriemann.transfer import encode_domains
    >>> rng = np.random.default_rng(0)
    >>> X = rng.standard_normal((40, 4, 100))
    >>> y = np.tile([0, 1], 20)
    >>> X[y == 1, 0] *= 2.0
    >>> domain = np.repeat(["a", "b"], 20)
    >>> _, y_enc = encode_domains(X, y, domain)
    >>> pipe = recentering_pipeline(MDM()).set_params(
    ...     tlcenter__target_domain="b", tlclassifier__target_domain="b")
    >>> pipe.fit(X[:30], y_enc[:30]).predict(X[30:]).shape
    (10,)
    """
    from pyriemann.estimation import Covariances
    from pyriemann.transfer import TLCenter, TLClassifier, TLRotate, TLScale

    steps = [Covariances(estimator=estimator), TLCenter(target_domain="")]
    if stretch:
        steps.append(TLScale(target_domain="", centered_data=True))
    if rotate:
        steps.append(TLRotate(target_domain="", metric="euclid"))
    steps.append(TLClassifier(target_domain="", estimator=classifier))
    return make_pipeline(*steps)


def _set_target(pipeline, target: str):
    names = [k for k in pipeline.get_params() if k.split("__")[-1] == "target_domain"]
    return pipeline.set_params(**dict.fromkeys(names, target))


def _positive_scores(estimator, X):
    """Score of the second class: ``predict_proba``, else ``decision_function`` (as
    scikit-learn's ROC-AUC scorer), looking through pyRiemann's transfer wrapper."""
    final = estimator[-1] if hasattr(estimator, "steps") else estimator
    inner = getattr(final, "estimator", None)
    if inner is not None and not hasattr(inner, "predict_proba"):
        return inner.decision_function(estimator[:-1].transform(X))
    if hasattr(estimator, "predict_proba"):
        return estimator.predict_proba(X)[:, 1]
    return estimator.decision_function(X)


def _calibration(train, y, size, random_state):
    """The fold's training trials, or a stratified subset of ``size`` of them."""
    if size is None or size >= len(train):
        return train
    subset, _ = train_test_split(
        train, train_size=size, stratify=y[train], random_state=random_state
    )
    return np.sort(subset)


def evaluate_transfer(
    pipelines: dict,
    data: EpochsData,
    dataset: str,
    *,
    targets=None,
    calibration: int | None = None,
    sources: bool = True,
    n_splits: int = 5,
    random_state: int | None = 42,
) -> pd.DataFrame:
    """Score pipelines trained on other subjects' trials plus a target's calibration trials.

    Parameters
    ----------
    pipelines : dict of str -> estimator
        With ``sources=True``: transfer pipelines taking domain-encoded labels, e.g. from
        :func:`recentering_pipeline` (cloned for every fold; every parameter named
        ``*target_domain`` is set to the target subject). With ``sources=False``: plain
        pipelines, fitted on the calibration trials only (the no-transfer baseline on the
        same trials).
    data : EpochsData
        Epochs of at least two subjects, ``subject`` in ``metadata``.
    dataset : str
        Dataset name written into the results.
    targets : list | None
        Target subjects to evaluate (default all); the other subjects of ``data`` are
        always the sources.
    calibration : int | None
        Number of the target's trials used for calibration in each fold, drawn stratified
        from the fold's training trials (seeded by ``random_state``); default all of them
        (``(n_splits - 1) / n_splits`` of the target's trials).
    sources : bool
        Fit on the other subjects' trials as well (the transfer protocol) or not.
    n_splits : int
        Folds over the target's trials (MOABB's within-session folds).
    random_state : int | None
        Seed of the folds and of the calibration subsets.

    Returns
    -------
    results : pandas.DataFrame
        One row per pipeline and target subject, columns :data:`RESULT_COLUMNS` plus
        ``calibration`` (target trials fitted per fold) and ``source_trials``;
        ``evaluation`` is ``"Transfer"`` (``"CalibrationOnly"`` when ``sources=False``).
        Scores: ROC-AUC for two classes, accuracy otherwise, on the test trials only.

    Examples
    --------
    >>> import numpy as np
    >>> import pandas as pd
    >>> from pyriemann.classification import MDM
    >>> from neuropipe.io.eeg import EpochsData
    >>> rng = np.random.default_rng(0)
    >>> X = rng.standard_normal((60, 4, 100))
    >>> y = np.tile(["left", "right"], 30)
    >>> X[y == "right", 0] *= 2.0
    >>> meta = pd.DataFrame({"subject": np.repeat([1, 2, 3], 20), "session": "0"})
    >>> data = EpochsData(X, y, 100.0, ["C3", "Cz", "C4", "Pz"], meta)
    >>> res = evaluate_transfer({"RCT+MDM": recentering_pipeline(MDM())}, data, "toy")
    >>> res[["subject", "calibration", "source_trials"]].to_numpy().tolist()
    [[1, 16, 40], [2, 16, 40], [3, 16, 40]]
    >>> bool((res["score"] > 0.9).all())
    True
    """
    from pyriemann.transfer import encode_domains

    check_positive_int("n_splits", n_splits, minimum=2)
    if calibration is not None:
        check_positive_int("calibration", calibration, minimum=2)
    subjects = data.metadata["subject"].to_numpy()
    if np.unique(subjects).size < 2:
        raise ValueError(
            "The transfer protocol needs epochs of at least two subjects (targets and "
            f"sources); got only subject {subjects[0]!r}. Load more subjects."
        )
    y_all = LabelEncoder().fit_transform(data.y)
    domains = np.asarray([str(s) for s in subjects])
    pipelines = {name: with_recording_info(p, data) for name, p in pipelines.items()}
    rows = []
    for target in sorted(np.unique(subjects)):
        if targets is not None and target not in targets:
            continue
        own = np.flatnonzero(subjects == target)
        others = np.flatnonzero(subjects != target) if sources else own[:0]
        y = y_all[own]
        check_labels(y, len(own), min_per_class=n_splits)
        cv = StratifiedKFold(n_splits, shuffle=True, random_state=random_state)
        folds = [
            (_calibration(train, y, calibration, random_state), test)
            for train, test in cv.split(own, y)
        ]
        n_classes = np.unique(y).size
        scoring = "roc_auc" if n_classes == 2 else "accuracy"
        chance, threshold = chance_level(y[np.concatenate([t for _, t in folds])], scoring)
        for name, pipeline in pipelines.items():
            scores, fit_times, predict_times = [], [], []
            for train, test in folds:
                fit_index = np.concatenate([others, own[train]])
                labels = y_all[fit_index]
                if sources:
                    _, labels = encode_domains(data.X[:1], labels, domains[fit_index])
                    estimator = _set_target(clone(pipeline), str(target))
                else:
                    estimator = clone(pipeline)
                start = time.process_time()
                estimator.fit(data.X[fit_index], labels)
                fit_times.append(time.process_time() - start)
                start = time.process_time()
                X_test, y_test = data.X[own[test]], y[test]
                if n_classes == 2:
                    scores.append(roc_auc_score(y_test, _positive_scores(estimator, X_test)))
                else:
                    predicted = np.asarray(estimator.predict(X_test)).astype(str)
                    scores.append(accuracy_score(y_test.astype(str), predicted))
                predict_times.append(time.process_time() - start)
            rows.append(
                {
                    "score": float(np.mean(scores)),
                    "time": float(np.mean(fit_times)),
                    "samples": len(own),
                    "subject": target,
                    "session": "all",
                    "dataset": dataset,
                    "pipeline": name,
                    "evaluation": "Transfer" if sources else "CalibrationOnly",
                    "scoring": scoring,
                    "chance": chance,
                    "chance_p95": threshold,
                    "n_classes": int(n_classes),
                    "predict_time": float(np.mean(predict_times)),
                    "permutation_pvalue": np.nan,
                    "calibration": len(folds[0][0]),
                    "source_trials": len(others),
                }
            )
    return pd.DataFrame(rows, columns=[*RESULT_COLUMNS, "calibration", "source_trials"])
