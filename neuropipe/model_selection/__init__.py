"""Model selection: the splitters of every evaluation protocol and the searches that tune a
pipeline on its training data only, as in :mod:`sklearn.model_selection`.

Splitters (:mod:`neuropipe.model_selection._split`), each a scikit-learn
``BaseCrossValidator`` whose grouping column is a parameter: :class:`WithinSessionSplitter`,
:class:`CrossSessionSplitter`, :class:`CrossSubjectSplitter`, :class:`LeaveSiteOut`,
:class:`SiteLabelStratifiedKFold`, :class:`SiteGroupKFold`, :class:`TimeOrderedSplit`
(with :data:`INNER_SPLIT`), and :func:`make_splitter` (a protocol name to its splitter).

Searches (:mod:`neuropipe.model_selection._search`): :class:`EmbeddingSearchCV`,
:func:`logistic_regression_cv`, :func:`time_ordered_search`.

Pipeline files import their model-building tools from here (not from
:mod:`neuropipe.evaluation`, which runs benchmarks), so a saved model names these public
paths: every name below reports ``neuropipe.model_selection`` as its module.
"""

from ._search import EmbeddingSearchCV, logistic_regression_cv, time_ordered_search
from ._split import (
    INNER_SPLIT,
    CrossSessionSplitter,
    CrossSubjectSplitter,
    LeaveSiteOut,
    SiteGroupKFold,
    SiteLabelStratifiedKFold,
    TimeOrderedSplit,
    WithinSessionSplitter,
    make_splitter,
)

__all__ = [
    "INNER_SPLIT",
    "CrossSessionSplitter",
    "CrossSubjectSplitter",
    "EmbeddingSearchCV",
    "LeaveSiteOut",
    "SiteGroupKFold",
    "SiteLabelStratifiedKFold",
    "TimeOrderedSplit",
    "WithinSessionSplitter",
    "logistic_regression_cv",
    "make_splitter",
    "time_ordered_search",
]

# the public path, not the private module, names each class and function (in saved models,
# reprs and the API reference), as numpy's ``set_module`` does
for _name in __all__:
    if hasattr(globals()[_name], "__qualname__"):
        globals()[_name].__module__ = __name__
del _name
