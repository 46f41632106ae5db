"""Online decoding: a sliding-window decoder over a continuous signal, and live decoding
from a Lab Streaming Layer stream.

The decoder core (:class:`SlidingWindowDecoder`, :func:`decide_run`, :func:`causal_filter`)
is plain numpy and is what the pseudo-online evaluation runs offline; the LSL client
(:mod:`neuropipe.online.live`, ``neuropipe online``) imports mne-lsl only when used.
:class:`BinnedStreamDecoder` and :func:`decode_binned_run` (:mod:`neuropipe.online.binned`)
run continuous decoders (Kalman, DKF) bin by bin; they are imported on first use.
"""

from .decoder import SlidingWindowDecoder, causal_filter, decide_run

__all__ = [
    "SlidingWindowDecoder",
    "causal_filter",
    "decide_run",
    "BinnedStreamDecoder",
    "decode_binned_run",
]

_BINNED = ("BinnedStreamDecoder", "decode_binned_run")


def __getattr__(name):
    if name in _BINNED:  # lazily: the decoders (scikit-learn models) load on first use
        from . import binned

        return getattr(binned, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
