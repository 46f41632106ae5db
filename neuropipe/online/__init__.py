"""Online decoding: a sliding-window decoder over a continuous signal, and live decoding
from a Lab Streaming Layer stream.

The decoder core (:class:`SlidingWindowDecoder`, :func:`decide_run`, :func:`causal_filter`)
is plain numpy and is what the pseudo-online evaluation runs offline; the LSL client
(:mod:`neuropipe.online.live`, ``neuropipe online``) imports mne-lsl only when used.
"""

from .decoder import SlidingWindowDecoder, causal_filter, decide_run

__all__ = ["SlidingWindowDecoder", "causal_filter", "decide_run"]
