"""In-process cache of loaded epochs, shared by every pipeline a benchmark runs on a subject.

``neuropipe benchmark`` plans one task per pipeline and subject, pipeline after pipeline, so a
subject's epochs are asked for once per pipeline. MOABB's ``WithinSessionEvaluation`` loads and
epochs each subject once for all pipelines; :func:`load_epochs` does the same here: the first
call reads, filters and epochs, later calls with the same dataset, paradigm and subjects return
the same :class:`~neuropipe.io.EpochsData` (not a copy: evaluations read it, never write it).
The cache is bounded in bytes and forgets the least recently used subjects first. Each process
(a joblib or Dask worker) has its own; results never depend on it.

:func:`share_transformer_fits` does the same for the fitted transformer steps of pipelines:
every :class:`~sklearn.pipeline.Pipeline` inside an estimator (inside a
:class:`~sklearn.model_selection.GridSearchCV` too) gets one process-wide ``joblib.Memory``, so
a tangent space fitted on the same covariances is fitted once for the six SVM settings of an
inner grid, and once for TS+LR and TS+SVM on the same training fold (scikit-learn's own
``Pipeline(memory=...)`` mechanism: a cached fit returns the transformer fitted on the same
data with the same parameters, so the scores do not change).
"""

from __future__ import annotations

import atexit
import shutil
import tempfile
import threading
from collections import OrderedDict

import joblib
from sklearn.base import clone
from sklearn.model_selection import GridSearchCV, RandomizedSearchCV
from sklearn.pipeline import Pipeline

__all__ = [
    "EpochCache",
    "load_epochs",
    "clear_epoch_cache",
    "epoch_cache",
    "share_transformer_fits",
    "transformer_memory",
]


def _nbytes(data):
    return int(getattr(getattr(data, "X", None), "nbytes", 0))


class EpochCache:
    """Least-recently-used store of loaded epochs, bounded by the bytes of their ``X``.

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
        self.max_bytes = max_bytes
        self.hits = 0
        self.misses = 0
        self._entries = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key, load):
        """The value stored under ``key``, from ``load()`` on the first call."""
        with self._lock:
            if key in self._entries:
                self._entries.move_to_end(key)
                self.hits += 1
                return self._entries[key]
        value = load()
        with self._lock:
            self.misses += 1
            if _nbytes(value) <= self.max_bytes:
                self._entries[key] = value
                while sum(map(_nbytes, self._entries.values())) > self.max_bytes:
                    self._entries.popitem(last=False)
        return value

    def clear(self):
        """Forget every entry and reset the counters."""
        with self._lock:
            self._entries.clear()
            self.hits = self.misses = 0

    def __len__(self):
        return len(self._entries)


epoch_cache = EpochCache()


def load_epochs(dataset, paradigm, subjects):
    """``get_dataset(dataset).load(subjects, paradigm)``, loaded once per process.

    Parameters
    ----------
    dataset : str
        Registered dataset name (see :func:`neuropipe.datasets.get_dataset`).
    paradigm : str | None
        MOABB paradigm name, whose epoching the dataset applies.
    subjects : iterable of int
        Subjects, loaded together.

    Returns
    -------
    data : EpochsData
        Shared with every later call with the same arguments: do not modify it.
    """
    from ..datasets import get_dataset

    subjects = tuple(subjects)
    return epoch_cache.get(
        (dataset, paradigm, subjects),
        lambda: get_dataset(dataset).load(subjects=list(subjects), paradigm=paradigm),
    )


def clear_epoch_cache():
    """Empty this process's epoch cache (e.g. between timed repeats)."""
    epoch_cache.clear()


_MEMORY = {}
#: Disk the shared transformer fits of one process may hold; the least recently used go first.
FITS_BYTES_LIMIT = 512 * 1024**2


def transformer_memory():
    """This process's ``joblib.Memory`` for pipeline transformer fits (a temporary folder,
    removed at exit), trimmed to :data:`FITS_BYTES_LIMIT` at each call."""
    if "memory" not in _MEMORY:
        from joblib import Memory

        location = tempfile.mkdtemp(prefix="neuropipe-fits-")
        atexit.register(shutil.rmtree, location, ignore_errors=True)
        _MEMORY["memory"] = Memory(location, verbose=0)
    memory = _MEMORY["memory"]
    memory.reduce_size(bytes_limit=FITS_BYTES_LIMIT)
    return memory


def _set_memory(estimator, memory):
    if isinstance(estimator, Pipeline):
        estimator.memory = memory
        for _, step in estimator.steps:
            _set_memory(step, memory)
    elif isinstance(estimator, (GridSearchCV, RandomizedSearchCV)):
        _set_memory(estimator.estimator, memory)


def share_transformer_fits(estimator, memory=None):
    """A clone of ``estimator`` whose pipelines cache their transformer fits in ``memory``.

    Parameters
    ----------
    estimator : estimator
        Any scikit-learn estimator; the :class:`~sklearn.pipeline.Pipeline` objects in it,
        its own steps and the ``estimator`` of a ``GridSearchCV`` / ``RandomizedSearchCV``
        included, get ``memory``. Other meta-estimators are left as they are.
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
    >>> shared = share_transformer_fits(make_pipeline(PCA(2), LogisticRegression()))
    >>> shared.memory is transformer_memory()
    True
    """
    estimator = clone(estimator)
    try:  # joblib.Memory keys fits by pickling the steps: leave unpicklable ones uncached
        joblib.hash(estimator)
    except Exception:  # any pickling failure means: no caching
        return estimator
    _set_memory(estimator, transformer_memory() if memory is None else memory)
    return estimator
