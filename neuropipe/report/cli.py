"""The ``neuropipe report`` sub-command."""

from __future__ import annotations

import shlex
import time
from pathlib import Path

from ..benchmark.results import check_results_table, read_results
from .html import make_report

__all__ = ["add_report_parser"]


def _command_line(args) -> str:
    parts = ["neuropipe", "report", str(args.results_dir), "-o", str(args.output)]
    if args.figures_dir is not None:
        parts += ["--figures-dir", str(args.figures_dir)]
    if args.no_models:
        parts.append("--no-models")
    return shlex.join(parts)


#: Columns of results.csv the report reads.
_REPORT_COLUMNS = ("dataset", "subject", "pipeline", "score")


def _check_results_folder(folder: Path) -> None:
    """Refuse, with a one-line reason, a results folder whose CSV files cannot be read."""
    if not folder.is_dir():
        raise FileNotFoundError(
            f"Results folder {str(folder)!r} {'is a file' if folder.exists() else 'not found'}; "
            f"give the folder of 'neuropipe benchmark --output FOLDER'."
        )
    for path in sorted(folder.glob("*.csv")):
        try:
            table = read_results(path)
        except (ValueError, UnicodeDecodeError, OSError) as exc:  # empty, binary, ragged
            raise ValueError(
                f"{str(path)!r} is not a readable CSV table ({type(exc).__name__}: "
                f"{' '.join(str(exc).split())[:120]}); rerun 'neuropipe benchmark --output "
                f"{folder}' or move the file away."
            ) from exc
        if path.name == "results.csv":
            try:
                check_results_table(table, repr(str(path)), columns=_REPORT_COLUMNS)
            except ValueError as exc:
                raise ValueError(
                    f"{exc}; rerun 'neuropipe benchmark --output {folder}' or move the file away."
                ) from exc


def _cmd_report(args) -> int:
    start = time.perf_counter()
    folder = Path(args.results_dir)
    _check_results_folder(folder)
    output = Path(args.output)
    if output.is_dir():
        raise IsADirectoryError(
            f"-o {str(output)!r} is a folder; give the HTML file to write, e.g. "
            f"{output / 'report.html'}."
        )
    if args.figures_dir is not None and Path(args.figures_dir).is_file():
        raise NotADirectoryError(
            f"--figures-dir {str(args.figures_dir)!r} is a file; give a folder."
        )
    output = make_report(
        args.results_dir,
        args.output,
        args.figures_dir,
        models=not args.no_models,
        command=_command_line(args),
    )
    figures = args.figures_dir or output.parent / f"{output.stem}_figures"
    print(f"Report: {output} (figures in {figures}/, {time.perf_counter() - start:.0f} s)")
    return 0


def add_report_parser(subparsers):
    """Register ``neuropipe report RESULTS_DIR -o report.html``.

    Parameters
    ----------
    subparsers : argparse._SubParsersAction
        The ``add_subparsers()`` object of the ``neuropipe`` parser.

    Returns
    -------
    parser : argparse.ArgumentParser
        The ``report`` sub-parser.
    """
    parser = subparsers.add_parser(
        "report",
        help="write an HTML report (figures and tables) of a benchmark results folder",
        description="Write a self-contained HTML page from the files of 'neuropipe benchmark "
        "--output RESULTS_DIR': scores per pipeline and dataset with chance levels, pairwise "
        "statistics, fit times, optimistic vs leak-free selection, R² maps, a confusion "
        "matrix and decoded trajectories (from the arrays each task stored in "
        "RESULTS_DIR/tasks/; nothing is refitted). Each figure is also saved as PNG and SVG.",
    )
    parser.add_argument("results_dir", metavar="RESULTS_DIR", help="folder of benchmark CSVs")
    parser.add_argument(
        "-o", "--output", default="report.html", help="HTML file to write (default report.html)"
    )
    parser.add_argument(
        "--figures-dir",
        default=None,
        help="folder for the PNG/SVG figures (default <output stem>_figures/)",
    )
    parser.add_argument(
        "--no-models",
        action="store_true",
        help="skip the figures of the fitted models (confusion matrix, R² maps, "
        "trajectories), drawn from the arrays stored in RESULTS_DIR/tasks/",
    )
    parser.set_defaults(func=_cmd_report)
    return parser
