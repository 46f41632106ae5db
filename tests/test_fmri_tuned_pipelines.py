"""The fMRI pipelines that learn settings inside the training fold.

Those that choose their regularisation by inner CV (pipelines/fmri/*cv.py, vote), and the
stack whose meta-model learns the weights of four representations (connectome_kinds_stack.py).

- ``KernelPCA(kernel='linear')`` after standardisation is an exact speed-up for the L2
  linear models (same predictions as on the full feature vectors);
- on the real ABIDE files (bundled 249 subjects, 3 sites), with the labels permuted within
  each site every tuned pipeline scores chance, and ``tangent-logregcv`` learns the real
  labels (so does the stack): nothing in the inner model selection sees the test fold.
"""

import warnings
from pathlib import Path

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.decomposition import KernelPCA
from sklearn.linear_model import LogisticRegression, RidgeClassifier
from sklearn.model_selection import StratifiedKFold, cross_val_score
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from neuropipe.benchmark.pipeline_files import load_pipeline_file
from neuropipe.datasets.abide import load_abide
from neuropipe.features._subject_cache import subject_cache

PIPELINES = Path(__file__).resolve().parents[1] / "pipelines" / "fmri"
TUNED = [
    "tangent_logregcv",
    "tangent_oas_logregcv",
    "tangent_linear_vote",
    "tangent_combat_logregcv",
    "onnela_motifs_logregcv",
    "motifs_tangent_stack_cv",
    "tangent_logregcv_site",
]
#: The last three variants (docs/fmri.md, "Three last variants"): fixed settings, no inner
#: model selection beyond the stack inside the soft vote.
LAST = [
    "tangent_combat_zeroimpute_logreg",
    "tangent_geometric_logreg",
    "tangent_combat_stack_softvote",
]
#: The fourth round (docs/fmri.md, "Fourth round"): a stack whose meta-model learns the
#: weights of four representations on out-of-fold predictions inside the training fold.
FOURTH = ["connectome_kinds_stack"]


def _pipeline(stem):
    return load_pipeline_file(PIPELINES / f"{stem}.py")[0]


@pytest.mark.parametrize(
    "model", [LogisticRegression(C=0.01, tol=1e-10, max_iter=10000), RidgeClassifier(alpha=50.0)]
)
def test_linear_kernel_pca_rotation_gives_the_same_model(model):
    rng = np.random.default_rng(0)
    X = rng.standard_normal((80, 500)) * rng.uniform(0.5, 3.0, 500) + rng.uniform(-2, 2, 500)
    y = (X[:, :5].sum(axis=1) + rng.standard_normal(80) > 0).astype(int)
    X_test = rng.standard_normal((30, 500)) * 2.0
    full = make_pipeline(StandardScaler(), model).fit(X[:60], y[:60])
    rotated = make_pipeline(StandardScaler(), KernelPCA(kernel="linear"), clone(model)).fit(
        X[:60], y[:60]
    )
    assert rotated[1].eigenvalues_.size == 59  # n_train - 1 axes: nothing is dropped
    np.testing.assert_allclose(
        rotated.decision_function(X_test), full.decision_function(X_test), atol=1e-6
    )


def test_tuned_pipelines_are_slow_and_choose_c_in_the_training_data():
    for stem in TUNED + LAST + FOURTH:
        assert _pipeline(stem)["slow"] is True, stem  # the default job keeps its pipelines
    rng = np.random.default_rng(0)
    X = [rng.standard_normal((60, 6)) @ rng.standard_normal((6, 6)) for _ in range(40)]
    y = np.array([0, 1] * 20)
    model = _pipeline("tangent_logregcv")["pipeline"].fit(X, y)
    search = model[-1]
    assert np.asarray(search.C_).item() in search.Cs_
    assert search.scores_.shape == (5, 1, 9)  # 5 inner folds x 9 values of C


@pytest.fixture(scope="module")
def abide():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # the two NYU subjects with a zero ROI
        return load_abide()


def _accuracy(pipeline, X, y, site):
    strata = np.char.add(np.asarray(site, dtype=str), y.astype(str))
    folds = list(StratifiedKFold(3, shuffle=True, random_state=0).split(y, strata))
    # the per-subject cache the benchmark runner opens around each task (off for library
    # users): the stacks' motif and connectome members are computed once per subject
    with warnings.catch_warnings(), subject_cache():
        warnings.simplefilter("ignore")
        return cross_val_score(pipeline, X, y, cv=folds).mean()


@pytest.fixture(scope="module")
def shuffled(abide):
    """108 of the 249, ASD and TC balanced within each site (24 + 24 NYU, 18 + 18 KKI,
    12 + 12 OHSU, drawn at random), and three permutations of their labels within each site.

    Balanced sites matter: with unequal ASD shares a model that only recognises the site
    (which connectomes do easily) beats the overall majority class without any leak. Three
    permutations, because one 3-fold score on 108 subjects under the null spreads widely
    (0.43 to 0.63 over six permutations for ``tangent-logreg`` with its fixed C).
    """
    rng = np.random.default_rng(0)
    rows = np.concatenate(
        [
            rng.choice(np.flatnonzero((abide.site == s) & (abide.y == c)), n, replace=False)
            for s, n in (("NYU", 24), ("KKI", 18), ("OHSU", 12))
            for c in (0, 1)
        ]
    )
    site = abide.site[rows]
    labels = []
    for _ in range(3):
        y = abide.y[rows].copy()
        for s in np.unique(site):
            idx = np.flatnonzero(site == s)
            y[idx] = rng.permutation(y[idx])
        labels.append(y)
    return abide.X.iloc[rows], labels, site


#: The shuffled-label test leaves out the motif + tangent stack (CI time: minutes on its
#: own); its base models tune C with the same LogisticRegressionCV inside the training fold
#: as the pipelines tested here. Of the last three variants it runs the zero-ROI imputation
#: (its imputed means are fitted in ``fit``); the geometric reference (about 30
#: eigendecompositions per training subject and fit) and the soft vote (which contains the
#: stack) would cost minutes, and ``tests/features/test_connectome.py`` checks that the
#: geometric reference is learnt from the training subjects only. The fourth round's stack
#: runs (its wide members are rotated, so a fit takes seconds here).
SHUFFLED = (
    [stem for stem in TUNED if stem != "motifs_tangent_stack_cv"]
    + ["tangent_combat_zeroimpute_logreg"]
    + FOURTH
)


@pytest.mark.slow
@pytest.mark.parametrize("stem", SHUFFLED)
def test_tuned_pipeline_is_at_chance_on_shuffled_labels(shuffled, stem):
    X, labels, site = shuffled
    pipeline = _pipeline(stem)["pipeline"]
    accuracy = np.mean([_accuracy(pipeline, X, y, site) for y in labels])
    assert accuracy < 0.5 + 0.08, (stem, accuracy)  # chance 0.5 in every site; sd ~0.035


@pytest.mark.slow
@pytest.mark.parametrize("stem", ["tangent_logregcv", *FOURTH])
def test_pipeline_learns_the_real_labels(abide, stem):
    chance = max(np.mean(abide.y), 1 - np.mean(abide.y))  # 0.57 (142 TC of 249)
    accuracy = _accuracy(_pipeline(stem)["pipeline"], abide.X, abide.y, abide.site)
    assert accuracy > chance + 0.06, (stem, accuracy)
