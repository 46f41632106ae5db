"""A results folder as ``neuropipe benchmark`` leaves it, task artifacts included.

Small synthetic epochs (3 channels, class "right" with more 10 Hz power at C3) and a
synthetic two-state decoding session: every fold is fitted and its artifacts computed
with :func:`neuropipe.evaluation.artifacts.fold_artifacts`, then stored beside the
task's CSV and JSON record in ``tasks/`` by the runner's ``TaskStore.write``.
"""

import numpy as np
import pandas as pd
import pytest
from sklearn.discriminant_analysis import LinearDiscriminantAnalysis
from sklearn.linear_model import LinearRegression, LogisticRegression, Ridge
from sklearn.metrics import r2_score, roc_auc_score
from sklearn.model_selection import StratifiedKFold
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import LabelEncoder

from neuropipe.benchmark import BenchmarkTask, TaskStore
from neuropipe.evaluation.artifacts import fold_artifacts
from neuropipe.features.spectral import PSD
from neuropipe.selection import R2Selector

SFREQ = 160.0
CHANNELS = ["C3", "Cz", "C4"]


def _epochs(subject, n=40):
    rng = np.random.default_rng(subject)
    t = np.arange(160) / SFREQ
    X = rng.standard_normal((n, 3, t.size))
    y = np.repeat(["left", "right"], n // 2)
    X[y == "right", 0] += 1.5 * np.sin(2 * np.pi * 10 * t + rng.uniform(0, 6, (n // 2, 1)))
    return X, y


def _pipelines():
    psd = {"sfreq": SFREQ, "fmin": 8.0, "fmax": 14.0}
    return {
        "PSD+R2": make_pipeline(PSD(**psd), R2Selector(k=2), LinearDiscriminantAnalysis()),
        "PSD+LDA": make_pipeline(PSD(**psd, flatten=True), LinearDiscriminantAnalysis()),
    }


def _store(store, task, rows, folds):
    store.write(task, pd.DataFrame(rows), artifacts=folds)  # as the runner stores a task


def build_results_folder(folder):
    """EEG: 2 pipelines x 3 subjects, 5 folds each; decoding: 2 decoders; fMRI: fmri.csv and
    one pipeline's leave-site-out folds."""
    folder.mkdir(parents=True)
    store = TaskStore(folder)
    rows, decoding = [], []
    for subject in (1, 2, 3):
        X, labels = _epochs(subject)
        encoder = LabelEncoder().fit(labels)
        y = encoder.transform(labels)
        splits = list(StratifiedKFold(5, shuffle=True, random_state=42).split(X, y))
        for name, pipeline in _pipelines().items():
            folds, scores = [], []
            for train, test in splits:
                fitted = pipeline.fit(X[train], y[train])
                scores.append(roc_auc_score(y[test], fitted.decision_function(X[test])))
                folds.append(
                    fold_artifacts(
                        fitted,
                        X[test],
                        y[test],
                        fitted.predict(X[test]),
                        family="eeg",
                        classes=encoder.classes_,
                        ch_names=CHANNELS,
                    )
                )
            row = {
                "score": float(np.mean(scores)),
                "time": 0.01,
                "samples": len(y),
                "subject": subject,
                "session": "0",
                "dataset": "synthetic-mi",
                "pipeline": name,
                "evaluation": "WithinSession",
                "scoring": "roc_auc",
                "chance": 0.5,
                "chance_p95": 0.62,
                "n_classes": 2,
            }
            rows.append(row)
            task = BenchmarkTask("synthetic-mi", "LeftRightImagery", "within-session",
                                 subject, name, "pipelines/synthetic.py")  # fmt: skip
            _store(store, task, [row], folds)
    pd.DataFrame(rows).to_csv(folder / "results.csv", index=False)
    rng = np.random.default_rng(0)
    X = rng.standard_normal((400, 6))
    y = X[:, :2] @ np.array([[1.0, 0.2], [-0.3, 1.0]]) + 0.3 * rng.standard_normal((400, 2))
    for name, decoder in {"Ridge": Ridge(10.0), "OLS": LinearRegression()}.items():
        fitted = decoder.fit(X[:300], y[:300])
        y_pred = fitted.predict(X[300:])
        row = {"dataset": "flint2012", "subject": 1, "session": 1, "pipeline": name,
               "evaluation": "TimeOrderedSplit", "state": "all",
               "score": r2_score(y[300:], y_pred), "time": 0.01, "samples": 300}  # fmt: skip
        decoding.append(row)
        art = fold_artifacts(fitted, X[300:], y[300:], y_pred, family="decoding",
                             bin_size=0.1, state_names=["vx", "vy"], trajectory_bins=50)  # fmt: skip
        task = BenchmarkTask("flint2012", "decoding", "time-ordered", 1, name, "decoding.py")
        _store(store, task, [row], [art])
    pd.DataFrame(decoding).to_csv(folder / "decoding.csv", index=False)
    X, y = rng.standard_normal((60, 8)), np.tile([0, 1], 30)
    X[y == 1, 0] += 1.0
    site = np.repeat(["KKI", "NYU", "UM"], 20)
    folds = []
    for held_out in ("KKI", "NYU", "UM"):
        train, test = site != held_out, site == held_out
        fitted = LogisticRegression().fit(X[train], y[train])
        folds.append(
            fold_artifacts(
                fitted,
                X[test],
                y[test],
                fitted.predict(X[test]),
                family="fmri",
                classes=["control", "autism"],
            )  # fmt: skip
        )
    task = BenchmarkTask("abide", "fmri", "leave-site-out", "all", "motifs", "fmri/motifs.py")
    _store(store, task, [{"dataset": "abide", "pipeline": "motifs", "score": 0.6}], folds)
    pd.DataFrame(
        {
            "dataset": "abide",
            "pipeline": ["motifs"] * 3 + ["<b>connectome</b>"] * 3,
            "evaluation": "leave-site-out",
            "session": ["KKI", "NYU", "UM"] * 2,
            "score": [0.6, 0.55, 0.7, 0.5, 0.62, 0.58],
            "chance": 0.52,
        }
    ).to_csv(folder / "fmri.csv", index=False)
    return folder


@pytest.fixture(scope="session")
def artifact_results(tmp_path_factory):
    """A finished benchmark's folder with task artifacts (build once, copy per test)."""
    return build_results_folder(tmp_path_factory.mktemp("bench") / "results")
