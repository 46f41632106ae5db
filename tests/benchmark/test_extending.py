"""A new dataset and a new protocol, through the public registries alone, run end to end.

The dataset is a tiny class defined here (a few subjects of random epochs with a variance
difference between two classes: it claims nothing about real data), registered with
``neuropipe.datasets.register_dataset``; the protocol's splitter is a class defined here,
registered with ``neuropipe.evaluation.paradigms.register_protocol``. ``neuropipe
benchmark`` runs them, again with ``--resume`` (every task reused), then ``neuropipe
report`` draws the results. Both are unregistered afterwards, so other tests see the
default registries.
"""

import numpy as np
import pandas as pd
import pytest
from sklearn.model_selection import BaseCrossValidator

from neuropipe.benchmark import read_results
from neuropipe.cli import main
from neuropipe.datasets import Dataset, dataset_names, register_dataset, unregister_dataset
from neuropipe.evaluation.paradigms import (
    Protocol,
    protocol_names,
    register_protocol,
    unregister_protocol,
)
from neuropipe.evaluation.protocols import evaluate_within_session
from neuropipe.io import EpochsData

PIPELINE_FILE = """
import numpy as np
from sklearn.discriminant_analysis import LinearDiscriminantAnalysis
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import FunctionTransformer

def log_variance(X):
    return np.log(np.var(np.asarray(X), axis=-1))

PIPELINE = {
    "name": "LV+LDA",
    "paradigms": ["LeftRightImagery"],
    "pipeline": make_pipeline(FunctionTransformer(log_variance), LinearDiscriminantAnalysis()),
}
"""


class TinyEEG(Dataset):
    """Three subjects, one session of 24 random epochs each; class "right" has a larger
    variance on the first channel."""

    name = "tiny-eeg"
    modality = "eeg"
    paradigms = {"LeftRightImagery": {}}
    description = "random epochs for a test"

    @property
    def subjects(self):
        return [1, 2, 3]

    def load(self, subjects=None, paradigm=None, **kwargs):
        self.check_paradigm(paradigm)
        parts = []
        for subject in self.subjects if subjects is None else subjects:
            rng = np.random.default_rng(subject)
            y = np.repeat(["left", "right"], 12)
            X = rng.standard_normal((len(y), 2, 32))
            X[y == "right", 0] *= 3.0
            meta = pd.DataFrame(
                {"subject": subject, "session": "0", "run": "0"}, index=range(len(y))
            )
            parts.append(EpochsData(X, y, 64.0, ["C3", "C4"], meta))
        return EpochsData.concatenate(parts)


class EvenOdd(BaseCrossValidator):
    """Even epochs of a session train and odd ones test, then the other way round."""

    n_splits = 2

    def _iter_test_indices(self, X=None, y=None, groups=None):
        yield np.arange(0, len(X), 2)
        yield np.arange(1, len(X), 2)

    def get_n_splits(self, X=None, y=None, groups=None):
        return 2


def even_odd_rows(pipelines, data, dataset, *, cv=None, random_state=None, artifacts=None):
    """Within each session, the folds of ``cv``; the rows are named after the protocol."""
    rows = evaluate_within_session(
        pipelines, data, dataset, cv=cv, random_state=random_state, artifacts=artifacts
    )
    return rows.assign(evaluation="EvenOdd")


@pytest.fixture
def registered():
    register_dataset(TinyEEG)
    register_protocol(Protocol("even-odd", "eeg", even_odd_rows, splitter=EvenOdd))
    yield
    unregister_protocol("even-odd")
    unregister_dataset("tiny-eeg")


def test_a_new_dataset_and_protocol_run_end_to_end(registered, tmp_path, capsys):
    pipelines = tmp_path / "pipelines"
    pipelines.mkdir()
    (pipelines / "lv_lda.py").write_text(PIPELINE_FILE)
    out = tmp_path / "out"
    argv = [
        "benchmark", "--pipelines", pipelines, "--datasets", "tiny-eeg", "--protocol",
        "even-odd", "--no-progress", "--no-report", "--output", out,
    ]  # fmt: skip
    assert main(argv) == 0
    results = read_results(out / "results.csv")
    assert results[["dataset", "subject", "evaluation", "family"]].values.tolist() == [
        ["tiny-eeg", s, "EvenOdd", "eeg"] for s in (1, 2, 3)
    ]
    assert (results["score"] > 0.9).all()  # the variance difference is found
    capsys.readouterr()
    assert main([*argv, "--resume"]) == 0
    assert "Resume: 3 task(s) reused, 0 recomputed" in capsys.readouterr().out
    pd.testing.assert_frame_equal(read_results(out / "results.csv"), results)
    assert main(["report", out, "-o", tmp_path / "report.html"]) == 0
    html = (tmp_path / "report.html").read_text()
    assert "tiny-eeg" in html and "LV+LDA" in html


def test_the_registries_are_back_to_their_defaults():
    assert "tiny-eeg" not in dataset_names() and "even-odd" not in protocol_names()
