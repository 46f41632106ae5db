"""In-process cache of loaded epochs, shared by every pipeline a benchmark runs on a subject.

``neuropipe benchmark`` plans one task per pipeline and subject, pipeline after pipeline, so a
subject's epochs are asked for once per pipeline. MOABB's ``WithinSessionEvaluation`` loads and
epochs each subject once for all pipelines; :func:`load_epochs` does the same here: the first
call reads, filters and epochs, later calls with the same dataset, paradigm and subjects return
the same :class:`~neuropipe.io.EpochsData` (not a copy: evaluations read it, never write it).
The cache is bounded in bytes and forgets the least recently used subjects first. Each process
(a joblib or Dask worker) has its own; results never depend on it.

:func:`share_transformer_fits` does the same for the fitted transformer steps of pipelines
where caching costs less than computing (the steps after per-epoch covariances, and the
pipelines inside a :class:`~sklearn.model_selection.GridSearchCV`; not a pipeline on raw
epochs, whose hashing costs as much as its fit): they get one process-wide
``joblib.Memory``, so a tangent space fitted on the same covariances is fitted once for the six SVM settings of an
inner grid, and once for TS+LR and TS+SVM on the same training fold (scikit-learn's own
``Pipeline(memory=...)`` mechanism: a cached fit returns the transformer fitted on the same
data with the same parameters, so the scores do not change). It also computes the leading
per-epoch steps of a pipeline (``EpochsToArray``, ``Covariances``) once per epoch and process
(:class:`PerEpochSteps`) instead of once per fold and pipeline: a covariance depends on its
epoch only, so every fold and every pipeline with the same steps reuses it.
"""

from __future__ import annotations

import atexit
import copy
import shutil
import tempfile

import joblib
import numpy as np
from sklearn.base import BaseEstimator, TransformerMixin, clone
from sklearn.model_selection import GridSearchCV, RandomizedSearchCV
from sklearn.pipeline import Pipeline
from sklearn.utils import get_tags
from sklearn.utils.validation import check_is_fitted

from .._cache import LRUCache, array_digest
from ..datasets import get_dataset

__all__ = [
    "EpochCache",
    "PER_EPOCH_STEPS",
    "PerEpochSteps",
    "load_epochs",
    "clear_epoch_cache",
    "epoch_cache",
    "epoch_key",
    "share_transformer_fits",
    "transformer_memory",
]


class EpochCache(LRUCache):
    """Least-recently-used store of loaded epochs, bounded by the bytes of their ``X``
    (the one :class:`~neuropipe._cache.LRUCache` of neuropipe's caches).

    Parameters
    ----------
    max_bytes : int, default=2 GiB
        Entries are dropped, oldest use first, while the cached arrays hold more than this;
        an entry larger than ``max_bytes`` is returned but not kept.

    Attributes
    ----------
    hits, misses : int
        Calls of :meth:`get` answered from the cache, and calls that loaded.

    Examples
    --------
    >>> cache = EpochCache(max_bytes=10**9)
    >>> calls = []
    >>> loader = lambda: calls.append(1) or "epochs"
    >>> cache.get(("eegmmidb-leftright", None, (1,)), loader), cache.get(
    ...     ("eegmmidb-leftright", None, (1,)), loader)
    ('epochs', 'epochs')
    >>> len(calls), cache.hits, cache.misses
    (1, 1, 1)
    """

    def __init__(self, max_bytes=2 * 1024**3):
        super().__init__(max_bytes)


epoch_cache = EpochCache()


def epoch_key(dataset, paradigm, subjects, data_path=None) -> tuple:
    """The key of :data:`epoch_cache` for a load: dataset, paradigm, subjects (a tuple, or
    None for every subject) and the data path read (None: the sample-data search).

    Examples
    --------
    >>> epoch_key("eegmmidb-leftright", "LeftRightImagery", [1, 2])
    ('eegmmidb-leftright', 'LeftRightImagery', (1, 2), None)
    """
    subjects = None if subjects is None else tuple(subjects)
    return (dataset, paradigm, subjects, None if data_path is None else str(data_path))


def load_epochs(dataset, paradigm, subjects, data_path=None):
    """``get_dataset(dataset, data_path=data_path).load(subjects, paradigm)``, loaded once
    per process.

    Parameters
    ----------
    dataset : str
        Registered dataset name (see :func:`neuropipe.datasets.get_dataset`).
    paradigm : str | None
        MOABB paradigm name, whose epoching the dataset applies.
    subjects : iterable of int | None
        Subjects, loaded together (None: every subject).
    data_path : str | Path | None
        The folder of dataset folders to read (see :func:`neuropipe.datasets.get_dataset`);
        None: the search of the sample data.

    Returns
    -------
    data : EpochsData
        Shared with every later call with the same arguments: do not modify it.
    """
    subjects = None if subjects is None else list(subjects)
    return epoch_cache.get(
        epoch_key(dataset, paradigm, subjects, data_path),
        lambda: get_dataset(dataset, data_path=data_path).load(
            subjects=subjects, paradigm=paradigm
        ),
    )


def clear_epoch_cache():
    """Empty this process's caches of epochs and of per-epoch outputs (e.g. between timed
    repeats)."""
    epoch_cache.clear()
    _EPOCH_OUTPUTS.clear()


_MEMORY = {}
#: Disk the shared transformer fits of one process may hold; the least recently used go first.
FITS_BYTES_LIMIT = 512 * 1024**2


def transformer_memory():
    """This process's ``joblib.Memory`` for pipeline transformer fits (a temporary folder,
    removed at exit), trimmed to :data:`FITS_BYTES_LIMIT` at each call."""
    if "memory" not in _MEMORY:
        location = tempfile.mkdtemp(prefix="neuropipe-fits-")
        atexit.register(shutil.rmtree, location, ignore_errors=True)
        _MEMORY["memory"] = joblib.Memory(location, verbose=0)
    memory = _MEMORY["memory"]
    memory.reduce_size(bytes_limit=FITS_BYTES_LIMIT)
    return memory


#: Steps that may open a pipeline's :class:`PerEpochSteps`: each maps every epoch on its own
#: (the output for an epoch does not depend on the other epochs of the batch, bit for bit,
#: ``tests/evaluation/test_epoch_cache.py``) and its ``fit`` learns nothing that ``transform``
#: uses but the input's shape.
PER_EPOCH_STEPS = ("neuropipe.preprocessing.EpochsToArray", "pyriemann.estimation.Covariances")
#: The step that must close the shared prefix (it shrinks each epoch to a small matrix, so the
#: stored outputs stay small).
_CLOSING_STEP = "pyriemann.estimation.Covariances"
#: Bytes of per-epoch outputs one process keeps; the least recently used go first.
EPOCH_OUTPUTS_BYTES_LIMIT = 256 * 1024**2
_EPOCH_OUTPUTS = EpochCache(max_bytes=EPOCH_OUTPUTS_BYTES_LIMIT)


def _qualname(step):
    return f"{type(step).__module__}.{type(step).__qualname__}"


class PerEpochSteps(TransformerMixin, BaseEstimator):
    """Per-epoch steps whose output for each epoch is computed once per process.

    Wraps the leading steps of a pipeline that map every epoch on its own
    (:data:`PER_EPOCH_STEPS`, e.g. ``EpochsToArray`` then pyRiemann's ``Covariances``).
    ``transform`` looks each epoch up by a digest of its bytes (BLAKE2b) and the steps'
    parameters, computes only the epochs not seen yet (in one batch) and returns the stored
    outputs of the others: across the folds of a cross-validation and across pipelines that
    start with the same steps, each epoch's covariance is computed once, and the output is
    the same array, bit for bit, as the steps' own ``transform``. Inputs that are not arrays
    of epochs (``mne.Epochs``) go through the steps without the store.

    Parameters
    ----------
    pipeline : Pipeline
        The per-epoch steps.

    Attributes
    ----------
    pipeline_ : Pipeline
        The fitted steps.

    Examples
    --------
    >>> import numpy as np
    >>> from pyriemann.estimation import Covariances
    >>> from sklearn.pipeline import make_pipeline
    >>> X = np.random.default_rng(0).normal(size=(6, 3, 50))
    >>> steps = PerEpochSteps(make_pipeline(Covariances("oas"))).fit(X[:4])
    >>> bool(np.array_equal(steps.transform(X), Covariances("oas").transform(X)))
    True
    """

    def __init__(self, pipeline):
        self.pipeline = pipeline

    def fit(self, X, y=None):
        """Fit the steps (they learn only the input's shape)."""
        self.pipeline_ = clone(self.pipeline).fit(X, y)
        if hasattr(self.pipeline_, "n_features_in_"):
            self.n_features_in_ = self.pipeline_.n_features_in_
        self._token = joblib.hash(self.pipeline)
        return self

    def transform(self, X):
        """The steps' output for every epoch of ``X``, each computed once per process."""
        check_is_fitted(self)
        if not isinstance(X, np.ndarray) or X.ndim < 2 or X.dtype.kind not in "biuf":
            return self.pipeline_.transform(X)
        keys = [(self._token, array_digest(epoch)) for epoch in X]
        found = {key: _EPOCH_OUTPUTS.peek(key) for key in keys}
        missing = [i for i, key in enumerate(keys) if found[key] is None]
        if missing:
            computed = self.pipeline_.transform(X[missing])
            for i, out in zip(missing, computed, strict=True):
                found[keys[i]] = _EPOCH_OUTPUTS.get(keys[i], lambda out=out: out.copy())
        return np.stack([found[key] for key in keys])

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags = copy.deepcopy(get_tags(self.pipeline).input_tags)
        return tags


def _split_per_epoch(pipeline, memory):
    """``pipeline`` with its leading per-epoch steps in a :class:`PerEpochSteps` and the
    rest in an inner ``Pipeline(memory=memory)``; None when it has no such prefix."""
    names = [_qualname(step) for _, step in pipeline.steps]
    n = 0
    while n < len(names) - 1 and names[n] in PER_EPOCH_STEPS:
        n += 1
    while n and names[n - 1] != _CLOSING_STEP:  # the prefix must end with a covariance
        n -= 1
    if not n:
        return None
    rest = pipeline.steps[n:]
    if len(rest) > 1:  # on covariances: hashing them costs a few % of a tangent-space fit
        rest = [("shared_fits", Pipeline(rest))]
        _set_memory(rest[0][1], memory, in_search=True)
    name = "_".join(name for name, _ in pipeline.steps[:n])
    return Pipeline([(name, PerEpochSteps(Pipeline(pipeline.steps[:n]))), *rest])


def _set_memory(estimator, memory, in_search=False):
    """Give ``memory`` to the pipelines inside searches (each transformer is refitted once per
    setting on the same split, so a cached fit is reused), not to the others."""
    if isinstance(estimator, Pipeline):
        if in_search:
            estimator.memory = memory
        for _, step in estimator.steps:
            _set_memory(step, memory, in_search)
    elif isinstance(estimator, (GridSearchCV, RandomizedSearchCV)):
        _set_memory(estimator.estimator, memory, True)


def share_transformer_fits(estimator, memory=None):
    """A clone of ``estimator`` whose pipelines cache their transformer fits in ``memory``
    where caching costs less than computing.

    A step is cached only where its fit can be reused at a small price: the steps after a
    per-epoch covariance prefix (:class:`PerEpochSteps`; their input, covariance matrices,
    hashes in a few % of a tangent-space fit, and a fit is shared by every pipeline with the
    same steps on the same fold) and the pipelines inside a ``GridSearchCV`` /
    ``RandomizedSearchCV`` (refitted once per setting on the same split). A pipeline on raw
    epochs outside a search is left uncached: hashing its input and storing the output cost
    about 30 % of a CSP fit (``docs/performance.md``, "Small jobs") for a fit no other task
    repeats.

    Parameters
    ----------
    estimator : estimator
        Any scikit-learn estimator; the :class:`~sklearn.pipeline.Pipeline` objects in it
        get ``memory`` as above. Other meta-estimators are left as they are.
    memory : joblib.Memory | str | None
        Where fits are cached; None uses :func:`transformer_memory`, shared by every
        estimator of this process.

    Returns
    -------
    estimator : estimator
        The clone; ``estimator`` itself is not modified. An estimator that cannot be pickled
        (a step class defined in a pipeline file, say) is returned without caching.

    Examples
    --------
    >>> from sklearn.decomposition import PCA
    >>> from sklearn.linear_model import LogisticRegression
    >>> from sklearn.pipeline import make_pipeline
    >>> from sklearn.model_selection import GridSearchCV
    >>> search = GridSearchCV(make_pipeline(PCA(2), LogisticRegression()), {"pca__whiten": [0, 1]})
    >>> shared = share_transformer_fits(make_pipeline(PCA(3), search))
    >>> shared.memory is None, shared[-1].estimator.memory is transformer_memory()
    (True, True)
    """
    estimator = clone(estimator)
    try:  # joblib.Memory keys fits by pickling the steps: leave unpicklable ones uncached
        joblib.hash(estimator)
    except Exception:  # any pickling failure means: no caching
        return estimator
    memory = transformer_memory() if memory is None else memory
    if isinstance(estimator, Pipeline):
        split = _split_per_epoch(estimator, memory)
        if split is not None:  # per-epoch steps outside any Memory: no hashing of the epochs
            return split
    _set_memory(estimator, memory)
    return estimator
