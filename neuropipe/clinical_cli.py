"""The ``neuropipe fit`` and ``neuropipe predict`` sub-commands (argparse only).

The command-line face of :mod:`neuropipe.clinical`, which holds the workflow itself
(:func:`~neuropipe.clinical.fit_recording`, :func:`~neuropipe.clinical.predict_recording`).
:mod:`neuropipe.cli` registers these sub-commands with :func:`add_fit_parser` and
:func:`add_predict_parser`, as it registers ``neuropipe report`` from
:mod:`neuropipe.report.cli`; errors propagate to :func:`neuropipe.cli.main`, which prints
the expected ones as one line with exit code 2.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from .benchmark.pipeline_files import find_pipeline

__all__ = ["add_fit_parser", "add_predict_parser"]


def _registers(command: str):
    """Give an ``add_*_parser`` function its docstring, the same for every sub-command."""

    def decorate(func):
        func.__doc__ = f"""Register ``neuropipe {command}`` on the sub-parsers of ``neuropipe``.

        Parameters
        ----------
        subparsers : argparse._SubParsersAction
            What ``parser.add_subparsers()`` returned.

        Returns
        -------
        parser : argparse.ArgumentParser
            The ``{command}`` sub-command's parser.
        """
        return func

    return decorate


def _optional_float(text: str):
    if text.strip().lower() in ("none", "off", ""):
        return None
    try:
        return float(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(
            f"expected a number in Hz or 'none', got {text!r}"
        ) from exc


def _cmd_fit(args) -> int:
    # Errors propagate: neuropipe.cli.main prints expected ones as one line, exit code 2.
    # Imported here, not at the top: `neuropipe benchmark` builds this parser too.
    import mne

    from .clinical import fit_recording

    pipeline_file, named = find_pipeline(args.pipeline)  # a file, or a name: "ts-lr"
    with mne.utils.use_log_level("ERROR"):
        model = fit_recording(
            pipeline_file,
            args.data,
            args.events,
            args.tmin,
            args.tmax,
            l_freq=args.l_freq,
            h_freq=args.h_freq,
            name=args.name or named,
            output=args.output,
        )
    counts = ", ".join(f"{label}: {n}" for label, n in model.n_epochs.items())
    print(
        f"Calibrated {model.pipeline_name!r} on {sum(model.n_epochs.values())} epochs "
        f"({counts}) of {len(model.calibration_files)} recording(s), "
        f"{len(model.ch_names)} channels at {model.sfreq:g} Hz.\nModel: {args.output}"
    )
    return 0


def _cmd_predict(args) -> int:
    from .clinical import predict_recording, prediction_summary
    from .persistence import check_output_file

    table = predict_recording(
        args.model,
        args.data,
        events=None if args.events is None else args.events.split(","),
        trusted=args.trust,
        on_outlier=args.on_outlier,
    )
    summary = prediction_summary(table, Path(args.data).name)
    if args.output is None:
        table.to_csv(sys.stdout, index=False)
        print(summary, file=sys.stderr)  # stdout holds the CSV
        return 0
    output = Path(args.output)
    check_output_file(output)
    part = output.with_name(output.name + ".part")
    try:
        table.to_csv(part, index=False)
        os.replace(part, output)
    finally:
        part.unlink(missing_ok=True)
    print(f"{summary}: {args.output}")
    return 0


@_registers("fit")
def add_fit_parser(subparsers) -> argparse.ArgumentParser:
    p = subparsers.add_parser(
        "fit",
        help="calibrate a pipeline on labelled recordings and save the model",
        description="Cut labelled epochs from the calibration recording(s), fit the "
        "pipeline of a pipeline file on them and save the fitted model, with the channel "
        "names, sampling rate and epoching it was calibrated on, as a skops file for "
        "'neuropipe predict'.",
    )
    p.add_argument(
        "--pipeline",
        required=True,
        help="a pipeline by name (e.g. ts-lr; `neuropipe pipelines` lists them) or a "
        "pipeline file (e.g. my_pipeline.py)",
    )
    p.add_argument(
        "--data", required=True, nargs="+", help="calibration recording(s) (EDF, BDF, FIF...)"
    )
    p.add_argument(
        "--events",
        required=True,
        help="event -> label pairs, e.g. T1=left,T2=right (annotation names or event codes)",
    )
    p.add_argument("--tmin", type=float, default=0.5, help="epoch start after the event, s (0.5)")
    p.add_argument("--tmax", type=float, default=2.5, help="epoch end after the event, s (2.5)")
    p.add_argument(
        "--l-freq", type=_optional_float, default=8.0, help="band-pass low edge, Hz, or none (8)"
    )
    p.add_argument(
        "--h-freq", type=_optional_float, default=30.0, help="band-pass high edge, Hz, or none (30)"
    )
    p.add_argument("--name", help="pipeline name, when the file defines several")
    p.add_argument("-o", "--output", required=True, help="model file to write, e.g. model.skops")
    p.set_defaults(func=_cmd_fit)
    return p


@_registers("predict")
def add_predict_parser(subparsers) -> argparse.ArgumentParser:
    p = subparsers.add_parser(
        "predict",
        help="label the epochs of a recording with a model from 'neuropipe fit'",
        description="Epoch a new recording as at calibration and write one CSV row per "
        "epoch: onset, event, expected label (of the event, if calibrated), predicted "
        "label, class probabilities and a quality flag; print the accuracy when events "
        "have calibrated labels. A recording whose channels or sampling rate differ from "
        "the model's, in another unit, or with a dead channel is refused.",
    )
    p.add_argument("--model", required=True, help="model file from 'neuropipe fit'")
    p.add_argument("--data", required=True, help="recording to label (EDF, BDF, FIF...)")
    p.add_argument(
        "--events", help="event keys to cut epochs at, e.g. T0,T1,T2 (default: the model's)"
    )
    p.add_argument(
        "--trust",
        action="append",
        metavar="TYPE",
        help="trust this type when loading the model (repeatable); only for models whose "
        "origin you trust",
    )
    p.add_argument(
        "--on-outlier",
        choices=["flag", "refuse"],
        default="flag",
        help="epochs whose amplitude is far outside the calibration's: label them with "
        "outlier=True and the reason in the 'quality' column (flag, default), or refuse "
        "the recording (refuse). A recording in another unit or with a dead channel is "
        "always refused",
    )
    p.add_argument("-o", "--output", help="CSV file to write (default: print to stdout)")
    p.set_defaults(func=_cmd_predict)
    return p
