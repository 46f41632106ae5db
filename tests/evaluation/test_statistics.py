"""Pairwise statistics of pipelines: MOABB's meta-analysis with SciPy's tests."""

import itertools

import numpy as np
import pandas as pd
import pytest
from moabb.analysis.meta_analysis import (
    compute_effect,
    compute_pvals_perm,
    compute_pvals_wilcoxon,
)
from scipy import stats

from neuropipe.evaluation.statistics import (
    paired_pvalue,
    pairwise_statistics,
    standardized_difference,
)


@pytest.fixture
def results():
    """Two datasets, three pipelines ("a" best); "b" did not run on dataset "y"."""
    rng = np.random.default_rng(0)
    runs = [("x", 6, {"a": 0.2, "b": 0.1, "c": 0.0}), ("y", 4, {"a": 0.2, "c": 0.0})]
    rows = [
        (dataset, subject, pipe, 0.6 + offset + 0.05 * rng.standard_normal())
        for dataset, n, offsets in runs
        for subject in range(1, n + 1)
        for pipe, offset in offsets.items()
    ]
    return pd.DataFrame(rows, columns=["dataset", "subject", "pipeline", "score"])


def _exact_p(diffs):
    """One-sided sign-flip p-value of mean(diffs) > 0, as MOABB's exact test."""
    observed = diffs.sum()
    count = sum(
        (np.asarray(signs) * diffs).sum() >= observed - 1e-12
        for signs in itertools.product([-1, 1], repeat=len(diffs))
    )
    return min(count, 2 ** len(diffs) - 1) / 2 ** len(diffs)


def test_pairwise_statistics_match_a_hand_computed_meta_analysis(results):
    st = pairwise_statistics(results).set_index(["pipe1", "pipe2"])
    assert len(st) == 6  # every ordered pair of a, b, c
    per = {}
    for dataset, frame in results.groupby("dataset"):
        wide = frame.pivot(index="subject", columns="pipeline", values="score")
        diffs = (wide["a"] - wide["c"]).to_numpy()
        per[dataset] = (diffs.mean(), diffs.mean() / diffs.std(ddof=1), _exact_p(diffs), len(diffs))
    weights = np.sqrt([per["x"][3], per["y"][3]])
    expected_diff = np.average([per["x"][0], per["y"][0]], weights=weights)
    expected_smd = np.average([per["x"][1], per["y"][1]], weights=weights)
    expected_p = stats.combine_pvalues(
        [per["x"][2], per["y"][2]], method="stouffer", weights=weights
    )[1]
    row = st.loc[("a", "c")]
    assert row["diff"] == pytest.approx(expected_diff)
    assert row["smd"] == pytest.approx(expected_smd)
    assert row["p"] == pytest.approx(expected_p)
    assert (row["datasets"], row["subjects"]) == (2, 10)
    # 'b' ran on dataset x only: its pairs use x alone
    x = results[results.dataset == "x"].pivot(index="subject", columns="pipeline", values="score")
    assert st.loc[("b", "a"), "p"] == pytest.approx(_exact_p((x["b"] - x["a"]).to_numpy()))
    assert st.loc[("b", "a"), "datasets"] == 1
    assert st.loc[("a", "b"), "diff"] == pytest.approx(-st.loc[("b", "a"), "diff"])


def test_pairwise_statistics_average_sessions_and_skip_single_subjects():
    table = pd.DataFrame(
        {
            "dataset": "d",
            "subject": [1, 1, 1, 1],
            "session": ["s1", "s2", "s1", "s2"],
            "pipeline": ["a", "a", "b", "b"],
            "score": [0.6, 0.8, 0.5, 0.5],
        }
    )
    assert pairwise_statistics(table).empty
    two = pd.concat([table, table.assign(subject=2, score=[0.9, 0.7, 0.6, 0.6])])
    st = pairwise_statistics(two).set_index(["pipe1", "pipe2"])
    assert st.loc[("a", "b"), "diff"] == pytest.approx(((0.7 - 0.5) + (0.8 - 0.6)) / 2)


@pytest.mark.parametrize("n", [2, 5, 9, 13, 20, 31])
def test_paired_tests_equal_moabbs(n):
    """Exact sign flips (n <= 13) and Wilcoxon (n >= 20): MOABB's numbers, to rounding."""
    rng = np.random.default_rng(n)
    wide = pd.DataFrame(
        {
            "a": rng.uniform(0.5, 0.9, n),
            "b": rng.uniform(0.5, 0.9, n),
            "c": rng.uniform(0.5, 0.9, n),
        }
    )
    names = list(wide.columns)
    moabb = compute_pvals_perm(wide, names) if n < 20 else compute_pvals_wilcoxon(wide, names)
    effect = compute_effect(wide, names)
    for i, a in enumerate(names):
        for j, b in enumerate(names):
            if i != j:
                diffs = (wide[a] - wide[b]).to_numpy()
                assert paired_pvalue(diffs) == pytest.approx(moabb[i, j], rel=1e-12)
                assert standardized_difference(diffs) == pytest.approx(effect[i, j], rel=1e-12)


def test_paired_pvalue_edges():
    # 14 to 19 subjects: 10 000 random sign flips (MOABB draws its own: Monte Carlo error)
    diffs = np.random.default_rng(0).normal(0.02, 0.05, 16)
    exact = (
        sum(
            (np.asarray(s) * diffs).sum() >= diffs.sum() - 1e-12
            for s in itertools.product([-1, 1], repeat=16)
        )
        / 2**16
    )
    assert paired_pvalue(diffs) == pytest.approx(exact, abs=0.015)
    assert paired_pvalue(np.zeros(25)) == 0.5
    assert paired_pvalue([0.1, 0.2]) == 0.25  # never 1 or 0: Stouffer needs (0, 1)
    assert paired_pvalue([-0.1, -0.2]) == 0.75
    assert standardized_difference([0.0, 0.0]) == 0.0
    assert standardized_difference([-0.1, -0.1]) == -np.inf
    with pytest.raises(ValueError, match="2 or more finite"):
        paired_pvalue([0.1, np.nan])
    with pytest.raises(ValueError, match="lacks the columns"):
        pairwise_statistics(pd.DataFrame({"dataset": ["d"], "score": [1.0]}))
