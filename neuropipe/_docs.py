"""Docstring fragments shared by the estimators, in one place (nilearn's ``fill_doc``).

A parameter that many estimators take (``sfreq``, ``ch_names``, ``random_state``, the
epochs ``X`` of ``fit`` / ``transform``, the selectors' ``k`` and ``rule``) is described once in
:data:`docdict`; a docstring names it ``%(sfreq)s`` where the parameter's entry goes, and
:func:`fill_doc` substitutes the text, indented as the placeholder is. A docstring that
goes through :func:`fill_doc` writes a literal percent sign as ``%%``.

:func:`public_module` names a class by the package users import it from
(``neuropipe.features.PSD``, not ``neuropipe.features.spectral.PSD``), so that saved
models (:mod:`neuropipe.persistence`) and reprs name the public path.
"""

from __future__ import annotations

import sys

__all__ = ["docdict", "fill_doc", "public_module"]

#: Fragment name -> numpydoc text (the entry's first line unindented, its description
#: indented by 4 spaces).
docdict: dict[str, str] = {}

docdict["sfreq"] = """sfreq : float | None
    Sampling rate of the epochs in Hz. None takes the rate of the data given to ``fit``:
    ``mne.Epochs``, or arrays from a pipeline told the recording's rate by
    :func:`~neuropipe.preprocessing.with_recording_info`; given with them, it must match."""

docdict["ch_names"] = """ch_names : list of str | None
    Channel names for :meth:`get_feature_names_out` (``ch0``, ``ch1``... if None)."""

docdict["random_state"] = """random_state : int | RandomState | None
    Seed of the estimator's random draws (named on the next line): an int makes the
    result reproducible, None draws anew at each ``fit``."""

docdict["X_epochs"] = """X : ndarray, shape (n_epochs, n_channels, n_times) | mne.Epochs
    Epochs: arrays in microvolts, or ``mne.Epochs`` (volts, scaled to microvolts)."""

docdict["X_epochs_fitted"] = """X : ndarray, shape (n_epochs, n_channels, n_times) | mne.Epochs
    Epochs with the channels seen in ``fit`` (and their sampling rate)."""

docdict["y_ignored"] = """y : None
    Ignored."""

docdict["epochs_attributes"] = """n_channels_ : int
    Number of channels seen in ``fit``.
n_features_in_ : int
    The same count, under scikit-learn's name (the second axis of ``X``)."""


docdict["selector_k_rule"] = """k : int | 'all'
    Number of features to keep. With ``rule='autofeat'``, the number of channels, each
    contributing the one frequency where it scores best.
rule : 'topk' | 'autofeat'
    ``'topk'``: the ``k`` best features. ``'autofeat'``: HappyFeat's AutoFeat (see
    :func:`~neuropipe.selection.autofeat_mask`); needs ``(n_samples, n_channels,
    n_freqs)`` input (a 2-D input is read as one frequency per column, which makes it
    ``'topk'``)."""

docdict["selector_attributes"] = """scores_ : ndarray, shape (n_channels, n_freqs) or (n_features,)
    Score of every input feature, in the input layout (``scores_`` of a 3-D fit is the
    map :func:`neuropipe.report.r2map.plot_r2_map` draws).
support_ : ndarray of bool, shape (n_features_in_,)
    Selected features of the flattened input.
feature_shape_ : tuple of int
    Per-sample shape of the input seen in ``fit``.
n_features_in_ : int
    Number of flattened input features."""

docdict["y_true_y_pred"] = """y_true, y_pred : array-like, shape (n_bins, n_states) or (n_bins,)
    True and decoded states."""


def _indented(text: str, indent: str) -> str:
    """``text`` with every line after the first indented by ``indent``."""
    return text.replace("\n", "\n" + indent)


def fill_doc(obj):
    """Fill the ``%(name)s`` placeholders of ``obj``'s docstring from :data:`docdict`.

    Each fragment is indented as its placeholder is, so one fragment serves a class
    docstring and a method's. On a class, the methods it defines whose docstrings hold a
    placeholder are filled too.

    Parameters
    ----------
    obj : class | function
        The object whose ``__doc__`` holds placeholders.

    Returns
    -------
    obj : class | function
        The same object, its docstring filled (usable as a decorator).

    Raises
    ------
    KeyError
        If the docstring names a fragment that :data:`docdict` does not hold.

    Examples
    --------
    >>> @fill_doc
    ... def f(X):
    ...     '''Do nothing.
    ...
    ...     Parameters
    ...     ----------
    ...     %(y_ignored)s
    ...     '''
    >>> print(f.__doc__.splitlines()[4:6])
    ['    y : None', '        Ignored.']
    >>> @fill_doc
    ... def g():
    ...     '''%(nothing)s'''
    Traceback (most recent call last):
    ...
    KeyError: "g's docstring names %(nothing)s, which neuropipe._docs.docdict does not hold; add the fragment there or fix the name."
    """
    if isinstance(obj, type):
        for method in vars(obj).values():
            if callable(method) and "%(" in (getattr(method, "__doc__", None) or ""):
                fill_doc(method)
    doc = obj.__doc__
    if not doc:
        return obj
    filled = {}
    for line in doc.splitlines():
        start = line.find("%(")
        if start < 0:
            continue
        name = line[start + 2 : line.find(")s", start)]
        if name not in docdict:
            raise KeyError(
                f"{obj.__qualname__}'s docstring names %({name})s, which "
                f"neuropipe._docs.docdict does not hold; add the fragment there or fix the "
                f"name."
            )
        filled[name] = _indented(docdict[name], line[:start])
    try:
        obj.__doc__ = doc % filled
    except (TypeError, ValueError) as exc:  # a lone "%" in the docstring
        raise ValueError(
            f"{obj.__qualname__}'s docstring cannot be filled ({exc}); write a literal "
            f"percent sign as %%."
        ) from exc
    return obj


def public_module(name: str):
    """Class decorator: ``cls.__module__`` becomes ``name``, the package users import from.

    As numpy's ``set_module``: saved models, reprs and the API reference then name the
    public path, which stays valid when the class moves between private modules. The
    class stays in its defining module's ``__test__`` so that the doctests of that module
    still run its examples.

    Parameters
    ----------
    name : str
        The public module, which must export the class under its own name.

    Returns
    -------
    decorate : callable
        The decorator.

    Examples
    --------
    >>> from neuropipe.features import PSD
    >>> PSD.__module__
    'neuropipe.features'
    """

    def decorate(cls):
        defining = sys.modules[cls.__module__]
        tests = vars(defining).setdefault("__test__", {})
        tests[cls.__qualname__] = cls
        cls.__module__ = name
        return cls

    return decorate
