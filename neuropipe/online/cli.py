"""The ``neuropipe online`` sub-command (argparse only).

The command-line face of :func:`neuropipe.online.live.run_online`. :mod:`neuropipe.cli`
registers it with :func:`add_online_parser`, as it registers ``neuropipe fit`` from
:mod:`neuropipe.clinical_cli`; errors propagate to :func:`neuropipe.cli.main`, which prints
the expected ones (a model/stream mismatch, a stream not found or stalled) as one line
with exit code 2.
"""

from __future__ import annotations

import argparse
import sys

__all__ = ["add_online_parser"]


def _positive(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = float("nan")
    if not value > 0:
        raise argparse.ArgumentTypeError(f"expected a positive number of seconds, got {text!r}")
    return value


def _cmd_online(args) -> int:
    from .live import run_online

    decisions = run_online(
        args.model,
        args.stream,
        step=args.step,
        duration=args.duration,
        replay=args.replay,
        source_id=args.source_id,
        output=args.output,
        outlet=args.outlet if args.outlet else None,
        echo=print,
        connect_timeout=args.timeout,
        stall_timeout=args.stall_timeout,
        trusted=args.trust,
    )
    latency = decisions["latency_ms"] if len(decisions) else None
    summary = f"{len(decisions)} decisions"
    if latency is not None:
        summary += (
            f", latency median {latency.median():.1f} ms, 99th percentile "
            f"{latency.quantile(0.99):.1f} ms"
        )
    if args.output:
        summary += f": {args.output}"
    print(summary, file=sys.stderr)
    return 0


def add_online_parser(subparsers) -> argparse.ArgumentParser:
    """Register ``neuropipe online`` on the sub-parsers of ``neuropipe``.

    Parameters
    ----------
    subparsers : argparse._SubParsersAction
        What ``parser.add_subparsers()`` returned.

    Returns
    -------
    parser : argparse.ArgumentParser
        The ``online`` sub-command's parser.
    """
    p = subparsers.add_parser(
        "online",
        help="decode a live Lab Streaming Layer stream with a model from 'neuropipe fit'",
        description="Connect to an LSL stream (mne-lsl), check its channels and sampling "
        "rate against the model's, band-pass it causally and label a sliding window of "
        "the calibration epochs' length every --step seconds; print each decision, append "
        "it to the CSV file (-o) and push its label on an LSL marker outlet (--outlet). "
        "--replay FILE replays a recording as the stream first. Ends at --duration, at the "
        "end of the replayed file, or with Ctrl-C; a stream that is not found or stalls "
        "ends with one line and exit code 2.",
    )
    p.add_argument("--model", required=True, help="model file from 'neuropipe fit'")
    p.add_argument(
        "--stream", required=True, help="name of the LSL stream (with --replay: its name)"
    )
    p.add_argument("--source-id", help="source id of the stream, when several share the name")
    p.add_argument(
        "--replay", metavar="FILE", help="replay this recording (EDF, BDF, FIF...) as the stream"
    )
    p.add_argument(
        "--step", type=_positive, default=0.0625, help="seconds between decisions (0.0625)"
    )
    p.add_argument(
        "--duration", type=_positive, help="stop after this many seconds of stream samples"
    )
    p.add_argument("-o", "--output", help="CSV file of the decisions, written as they come")
    p.add_argument(
        "--outlet",
        default="neuropipe-decisions",
        help="name of the LSL marker outlet of the decisions (default neuropipe-decisions; "
        "'' for none)",
    )
    p.add_argument(
        "--timeout", type=_positive, default=10.0, help="seconds to wait for the stream (10)"
    )
    p.add_argument(
        "--stall-timeout",
        type=_positive,
        default=5.0,
        help="seconds without a new sample before giving up (5)",
    )
    p.add_argument(
        "--trust",
        action="append",
        metavar="TYPE",
        help="trust this type when loading the model (repeatable); only for models whose "
        "origin you trust",
    )
    p.set_defaults(func=_cmd_online)
    return p
