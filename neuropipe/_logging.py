"""neuropipe's log level, which MNE's follows (quiet by default).

neuropipe logs through the standard :mod:`logging` logger ``"neuropipe"``.
:func:`set_log_level` sets it and MNE's level together, so that MNE's informative
messages ("Computing rank from data...", one per CSP fit) do not flood a benchmark:
the default is ``"WARNING"``, which keeps warnings (a damaged recording, a dropped
epoch) and hides information.

Examples
--------
>>> import neuropipe
>>> neuropipe.set_log_level("INFO")
>>> neuropipe.get_log_level()
'INFO'
>>> neuropipe.set_log_level("WARNING")
"""

from __future__ import annotations

import logging
from contextlib import contextmanager

__all__ = ["get_log_level", "log_level_context", "logger", "set_log_level"]

#: The package's logger; its handler writes to stderr.
logger = logging.getLogger("neuropipe")

_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")


def _check_level(level) -> str:
    if isinstance(level, bool) or level is None:
        raise TypeError(
            f"Invalid value for the 'level' parameter: give one of {list(_LEVELS)} or a "
            f"logging level number, got {level!r} instead."
        )
    if isinstance(level, int):
        name = logging.getLevelName(level)
        if name not in _LEVELS:
            raise ValueError(
                f"Invalid value for the 'level' parameter. Allowed numbers are 10, 20, 30, 40 "
                f"and 50 (DEBUG to CRITICAL), but got {level!r} instead."
            )
        return name
    if not isinstance(level, str) or level.upper() not in _LEVELS:
        raise ValueError(
            f"Invalid value for the 'level' parameter. Allowed values are "
            f"{', '.join(repr(v) for v in _LEVELS)}, but got {level!r} instead."
        )
    return level.upper()


def set_log_level(level="WARNING") -> None:
    """Set the log level of neuropipe and of MNE.

    Parameters
    ----------
    level : str | int
        ``"DEBUG"``, ``"INFO"``, ``"WARNING"`` (default: warnings only), ``"ERROR"``
        or ``"CRITICAL"``, or the matching :mod:`logging` number.

    Examples
    --------
    >>> import neuropipe
    >>> neuropipe.set_log_level("ERROR")   # hide warnings too
    >>> neuropipe.set_log_level("WARNING")
    """
    name = _check_level(level)
    if not logger.handlers:
        handler = logging.StreamHandler()
        handler.setFormatter(logging.Formatter("neuropipe: %(message)s"))
        logger.addHandler(handler)
    logger.setLevel(name)
    import mne

    mne.set_log_level(name)


def get_log_level() -> str:
    """neuropipe's current log level, e.g. ``"WARNING"``."""
    return logging.getLevelName(logger.getEffectiveLevel())


@contextmanager
def log_level_context(level):
    """Set the log level of neuropipe and MNE for a block, then restore both."""
    import mne

    name = _check_level(level)
    previous = logger.level
    logger.setLevel(name)
    try:
        with mne.utils.use_log_level(name):
            yield
    finally:
        logger.setLevel(previous)
