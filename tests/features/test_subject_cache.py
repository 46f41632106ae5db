"""The per-subject cache of the fMRI stages is off for library users and on in the runner.

No module-level cache is active in a plain ``cross_val_score``: the stages that can use it
(ConnectivityGraph, GraphMetrics, DensityIntegratedMetrics, TangentConnectome) compute
everything and store nothing; inside ``subject_cache()`` (what the runner opens around each
task) the same scores come with each subject's matrix computed once.
"""

import ast
from pathlib import Path

import numpy as np
import pytest
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import cross_val_score
from sklearn.pipeline import make_pipeline

from neuropipe.features import _subject_cache
from neuropipe.features.connectome import TangentConnectome
from neuropipe.features.graph import ConnectivityGraph, DensityIntegratedMetrics, GraphMetrics

PACKAGE = Path(__file__).resolve().parents[2] / "neuropipe"

PIPELINES = {
    "graph": lambda: make_pipeline(
        ConnectivityGraph(density=0.3), GraphMetrics(["degree"]), LogisticRegression()
    ),
    "integrated": lambda: make_pipeline(
        ConnectivityGraph(density=None, binarize=False),
        DensityIntegratedMetrics(["degree"]),
        LogisticRegression(),
    ),
    "tangent": lambda: make_pipeline(TangentConnectome(), LogisticRegression()),
}


def _data(n=12, n_rois=5, seed=0):
    rng = np.random.default_rng(seed)
    X = [rng.standard_normal((40, n_rois)) for _ in range(n)]
    return X, np.tile([0, 1], n // 2)


@pytest.mark.parametrize("name", PIPELINES)
def test_cross_val_score_uses_no_module_level_cache(name, monkeypatch):
    X, y = _data()
    _subject_cache.clear_subject_cache()
    digests = []
    monkeypatch.setattr(_subject_cache, "_digest", lambda x: digests.append(1) or "d")
    plain = cross_val_score(PIPELINES[name](), X, y, cv=3)
    assert _subject_cache.subject_cache_limit() == 0
    assert not digests and len(_subject_cache._CACHE) == 0  # never looked up, nothing kept
    monkeypatch.undo()
    with _subject_cache.subject_cache():
        cached = cross_val_score(PIPELINES[name](), X, y, cv=3)
        assert len(_subject_cache._CACHE) > 0
    np.testing.assert_array_equal(plain, cached)
    _subject_cache.clear_subject_cache()


def test_only_the_runner_switches_the_cache_on():
    users = sorted(
        str(path.relative_to(PACKAGE))
        for path in PACKAGE.rglob("*.py")
        if any(
            isinstance(node, ast.ImportFrom)
            and "subject_cache" in [alias.name for alias in node.names]
            for node in ast.walk(ast.parse(path.read_text()))
        )
    )
    assert users == ["benchmark/execution.py"]
