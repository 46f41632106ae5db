"""Every public estimator and splitter of neuropipe, found by walking the estimator rooms.

As scikit-learn's ``sklearn.utils.discovery.all_estimators``: one walk that the trusted
types of saved models (:data:`neuropipe.persistence.TRUSTED_TYPES`), the API reference
(``docs/build_docs.py``) and the common test (``tests/test_common.py``) all read, so a new
estimator exported by its room is trusted, documented and checked without another list.

The rooms are :data:`ROOMS`; an estimator is a public class (in its room's ``__all__``) that
subclasses :class:`sklearn.base.BaseEstimator`. Its public path is the one users import,
``neuropipe.features.PSD`` (not ``neuropipe.features.spectral.PSD``): each class names its
room as its module, the path saved models record. The online decoders
(:mod:`neuropipe.online`) are not scikit-learn estimators and are not walked.
"""

from __future__ import annotations

import inspect

from sklearn.base import BaseEstimator, ClassifierMixin, RegressorMixin, TransformerMixin
from sklearn.model_selection import BaseCrossValidator, BaseShuffleSplit

from . import (
    decoders,
    ensemble,
    features,
    harmonization,
    model_selection,
    preprocessing,
    selection,
)

__all__ = ["ROOMS", "all_estimators", "all_splitters"]

#: The modules whose ``__all__`` lists the public estimators, in reading order.
ROOMS = (
    preprocessing,
    features,
    selection,
    decoders,
    harmonization,
    ensemble,
    model_selection,
)

_TYPES = {
    "classifier": ClassifierMixin,
    "regressor": RegressorMixin,
    "transformer": TransformerMixin,
}


def _public_classes(base):
    """``[(public path, class)]`` of the classes in the rooms' ``__all__`` deriving from
    ``base``, each once, sorted by path."""
    found = {}
    for room in ROOMS:
        for name in room.__all__:
            obj = getattr(room, name)
            if (
                inspect.isclass(obj)
                and issubclass(obj, base)
                and not name.startswith("_")
                and not inspect.isabstract(obj)
            ):
                found.setdefault(obj, f"{room.__name__}.{name}")
    return sorted(((path, cls) for cls, path in found.items()), key=lambda item: item[0])


def all_estimators(type_filter=None):
    """Every public estimator of neuropipe, with the path users import it from.

    Parameters
    ----------
    type_filter : {"classifier", "regressor", "transformer"} | list of them | None
        Keep only the estimators of these kinds (their scikit-learn mixin); None keeps all.

    Returns
    -------
    estimators : list of (str, type)
        ``(public import path, class)`` pairs, sorted by path.

    Examples
    --------
    >>> estimators = dict(all_estimators())
    >>> estimators["neuropipe.features.PSD"].__name__
    'PSD'
    >>> [path for path, _ in all_estimators("regressor")][:2]
    ['neuropipe.decoders.DiscriminativeKalmanFilter', 'neuropipe.decoders.KalmanFilterRegressor']
    """
    estimators = _public_classes(BaseEstimator)
    if type_filter is None:
        return estimators
    kinds = [type_filter] if isinstance(type_filter, str) else list(type_filter)
    unknown = [kind for kind in kinds if kind not in _TYPES]
    if unknown:
        raise ValueError(f"type_filter must be None or among {sorted(_TYPES)}, got {unknown}.")
    mixins = tuple(_TYPES[kind] for kind in kinds)
    return [(path, cls) for path, cls in estimators if issubclass(cls, mixins)]


def all_splitters():
    """Every public cross-validation splitter of neuropipe (:mod:`neuropipe.model_selection`).

    Returns
    -------
    splitters : list of (str, type)
        ``(public import path, class)`` pairs, sorted by path.

    Examples
    --------
    >>> "neuropipe.model_selection.TimeOrderedSplit" in dict(all_splitters())
    True
    """
    return _public_classes((BaseCrossValidator, BaseShuffleSplit))
