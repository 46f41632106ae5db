"""The ``neuropipe`` command: ``datasets``, ``benchmark``, ``report``, ``fit``, ``predict``."""

from __future__ import annotations

import argparse
import os
import shlex
import sys
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path

import pandas as pd

from . import __version__
from ._logging import log_level_context
from ._threads import THREADS_ENV, blas_threads, limit_threads
from .benchmark.execution import check_scheduler_address, dask_client
from .benchmark.pipeline_files import family_sources, find_pipeline, list_pipelines, load_pipelines
from .benchmark.planning import _modality as _dataset_family
from .benchmark.planning import plan_families
from .benchmark.results import write_csv_atomic
from .benchmark.runner import run_benchmark
from .benchmark.summary import leakage_report, summarize
from .clinical_cli import add_fit_parser, add_predict_parser
from .datasets import dataset_names, get_dataset, list_datasets
from .datasets.paths import default_pipelines_dir
from .evaluation.paradigms import (
    DECODING,
    EEG,
    FMRI,
    get_paradigm,
    get_protocol,
    paradigm_names,
    protocol_names,
)
from .evaluation.pseudo_online import summarize_pseudo_online
from .online.cli import add_online_parser
from .report.checks import fmri_summary
from .report.cli import add_report_parser
from .report.html import make_report

__all__ = ["main"]


def _cmd_datasets(args) -> int:
    table = list_datasets()
    columns = ["name", "modality", "paradigms", "subjects", "status", "classes", "licence"]
    with pd.option_context("display.width", 160, "display.max_colwidth", 60):
        print(table[columns].to_string(index=False))
    notes = (table["status"] != "complete") | table["detail"].str.contains("left out")
    for _, row in table[notes].iterrows():
        print(f"{row['name']}: {row['status']}, {row['detail']}")
    return 0


def _cmd_pipelines(args) -> int:
    folder = Path(args.pipelines) if args.pipelines else default_pipelines_dir()
    table = list_pipelines(folder)
    if args.family:
        table = table[table["family"].isin(args.family)]
    print(
        f"Pipeline files in {folder.resolve()}: NAME is what load_pipeline('NAME') and "
        f"neuropipe fit --pipeline NAME take, PIPELINE the name in result tables; opt-in "
        f"ones run with neuropipe benchmark --include-slow."
    )
    for family, rows in table.groupby("family", sort=False):
        shown = rows["pipeline"].where(rows["pipeline"] != rows["name"], "-")
        name_width, shown_width = rows["name"].str.len().max(), shown.str.len().max()
        print(f"\n{family} ({len(rows)}):")
        for (_, row), display in zip(rows.iterrows(), shown):
            print(
                f"  {row['name']:<{name_width}}  {row['default']:<7}  "
                f"{display:<{shown_width}}  {row['summary']}"
            )
    return 0


def _print_table(title: str, table: pd.DataFrame) -> None:
    print(f"\n{title}")
    with pd.option_context("display.width", 160, "display.float_format", "{:.3f}".format):
        print(table.to_string(index=False))


@contextmanager
def _scheduler(args):
    """The Dask client asked for on the command line, or None (joblib)."""
    address = args.scheduler or ("local" if args.dask == "local" else None)
    if address is None:
        yield None
        return
    with dask_client(address, n_workers=max(args.n_jobs, 2)) as client:
        print(f"Dask scheduler: {client.scheduler.address}")
        yield client


# --------------------------------------------------------------------------------------
# One error policy
# --------------------------------------------------------------------------------------

#: Exit codes: every requested task produced a valid result / some task failed / an
#: expected error (bad option, input or output path; one line on stderr) / a bug (one line
#: without --debug) / interrupted.
EXIT_OK, EXIT_TASKS_FAILED, EXIT_ERROR, EXIT_BUG, EXIT_INTERRUPTED = 0, 1, 2, 3, 130

#: Exceptions that report a problem of the input, the options or the machine (not a bug).
EXPECTED_ERRORS = (ValueError, TypeError, OSError, ImportError)


class CLIError(Exception):
    """An expected error found by the command itself: ``"<problem>; <fix>"``."""


class _Parser(argparse.ArgumentParser):
    """argparse, with usage errors on one line (``neuropipe: error: ...``), exit code 2."""

    def error(self, message):
        self.exit(
            EXIT_ERROR,
            f"neuropipe: error: {self.prog}: {' '.join(message.split())}; see "
            f"'{self.prog} --help'\n",
        )


def _one_line(exc: BaseException) -> str:
    """``"<problem>; <fix>"`` on one line, for an exception raised during a command."""
    if isinstance(exc, OSError) and exc.filename is not None and str(exc).startswith("[Errno"):
        path = repr(str(exc.filename))
        fixes = {
            PermissionError: f"cannot access {path} (permission denied); choose a path you "
            f"may write to, or change its permissions",
            IsADirectoryError: f"{path} is a folder where a file is expected; give a file name",
            NotADirectoryError: f"{path} (or a folder above it) is a file where a folder is "
            f"expected; give a folder",
            FileNotFoundError: f"{path} does not exist; check the path",
        }
        for kind, text in fixes.items():
            if isinstance(exc, kind):
                return text
        return f"{exc.strerror}: {path}; check the path and the disk"
    return " ".join(str(exc).split()) or type(exc).__name__


def _writable_dir(path: Path, option: str) -> None:
    """Create ``path`` if needed and prove it writable, before any work is done."""
    if path.exists() and not path.is_dir():
        raise CLIError(f"{option} {str(path)!r} is a file, not a folder; give a folder name")
    try:
        path.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryFile(dir=path):
            pass
    except OSError as exc:
        raise CLIError(
            f"{option} {str(path)!r} cannot be written ({type(exc).__name__}: "
            f"{exc.strerror or exc}); choose a writable folder"
        ) from exc


def _writable_file(path, option: str) -> None:
    """Refuse an output file that is a folder or lies in a folder that cannot be written."""
    if path is None:
        return
    path = Path(path)
    if path.is_dir():
        raise CLIError(f"{option} {str(path)!r} is a folder; give a file name, e.g. {path}/out")
    parent = path.parent
    if not parent.is_dir():
        raise CLIError(
            f"{option} {str(path)!r}: the folder {str(parent)!r} does not exist; create it "
            f"or choose another path"
        )
    try:
        with tempfile.TemporaryFile(dir=parent):
            pass
    except OSError as exc:
        raise CLIError(
            f"{option} {str(path)!r}: the folder {str(parent)!r} cannot be written "
            f"({exc.strerror or exc}); choose a writable folder"
        ) from exc


def _n_jobs(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value == 0 or str(value) != text.strip():
        raise argparse.ArgumentTypeError(
            f"expected a number of parallel tasks (1, 2, ... or -1 for every CPU), got {text!r}"
        )
    return value


def _seed(text: str) -> int:
    """A seed numpy accepts: an integer from 0 to 2**32 - 1."""
    try:
        value = int(text)
    except ValueError:
        value = -1
    if not 0 <= value < 2**32:
        raise argparse.ArgumentTypeError(
            f"expected a seed, an integer from 0 to 4294967295 (2**32 - 1), got {text!r}"
        )
    return value


def _at_least(minimum: int):
    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            value = minimum - 1
        if value < minimum:
            raise argparse.ArgumentTypeError(f"expected an integer >= {minimum}, got {text!r}")
        return value

    return parse


# --------------------------------------------------------------------------------------
# benchmark
# --------------------------------------------------------------------------------------


def _protocol(paradigm=None):
    """An argparse type: a registered protocol name (of ``paradigm``, if given)."""

    def parse(text: str) -> str:
        names = protocol_names(None if paradigm is None else paradigm.name)
        try:
            protocol = get_protocol(text)
        except ValueError:
            protocol = None
        if protocol is None or (paradigm is not None and protocol.paradigm != paradigm.name):
            raise argparse.ArgumentTypeError(
                f"unknown protocol {text!r}; the registered ones are {', '.join(names)}"
            )
        return text

    return parse


def _families(args) -> list[str]:
    """The families to run: --paradigms, else those of --datasets, else all."""
    if args.datasets is None:
        return list(args.paradigms or paradigm_names())
    implied = list(dict.fromkeys(_dataset_family(d) for d in args.datasets))
    if args.paradigms is None:
        return implied
    conflict = [d for d in args.datasets if _dataset_family(d) not in args.paradigms]
    if conflict:
        raise CLIError(
            f"--datasets {conflict} belong to the {[_dataset_family(d) for d in conflict]} "
            f"family, not to --paradigms {args.paradigms}; drop --paradigms (the datasets "
            f"imply it) or add the family"
        )
    return list(args.paradigms)


def _pipeline_arg(text: str) -> str:
    """A --pipelines entry: a folder or file as given, a pipeline's name (ts-lr) its file."""
    path = Path(text)
    if path.exists() or path.suffix or len(path.parts) > 1:
        return text
    return str(find_pipeline(text)[0])


def _pipeline_folder(args, family: str, families) -> list[Path] | None:
    """The --pipelines folders and files of a family (family_sources), or None when none."""
    sources = family_sources(args.pipelines, family)
    if sources:
        return sources
    where = " ".join(map(str, args.pipelines))
    if args.paradigms is not None or (args.datasets is not None and family in families):
        raise CLIError(
            f"{family} benchmark asked for, but --pipelines {where} has no {family} pipeline "
            f"(a folder's {family}/ sub-folder, or a file listing the '{family}' paradigm); "
            f"pass --pipelines FOLDER or a {family} pipeline FILE"
        )
    print(f"({family}: no {family} pipeline in {where}, skipped)")
    return None


def _check_planned(args, plans, families) -> None:
    """A family asked for (or found) with no task is an error that says what to fix."""
    empty = [f for f in families if not plans.get(f)]
    for family in empty:  # EEG's pipelines list MOABB paradigms: its own message, last
        if get_paradigm(family) is not EEG:
            other = " ".join(f for f in paradigm_names() if f != family)
            raise CLIError(
                f"no {family} pipeline in --pipelines {' '.join(map(str, args.pipelines))} "
                f"lists the '{family}' paradigm; add one or leave out the {family} family "
                f"(--paradigms {other})"
            )
    if EEG.name in empty:
        raise _no_tasks_error(args, _datasets_of(args, EEG))


def _datasets_of(args, paradigm) -> list[str] | None:
    """The --datasets of a paradigm (None when --datasets is not given)."""
    if args.datasets is None:
        return None
    return [d for d in args.datasets if _dataset_family(d) == paradigm.name]


def _print_family_tables(results: pd.DataFrame, protocol: str) -> None:
    eeg, fmri, decoding = (results[results["family"] == p.name] for p in (EEG, FMRI, DECODING))
    if not decoding.empty:
        overall = decoding[decoding["state"] == "all"]
        _print_table(
            f"{DECODING.title} (time-ordered split; score = R2 averaged over states):",
            overall[["dataset", "pipeline", "score", "nrmse", "maae", "time", "samples"]],
        )
    if not fmri.empty:
        _print_table(  # the report's table (neuropipe report): one chance figure for both
            f"{FMRI.title}, ABIDE CC200 (249 subjects, autism vs control; accuracy):",
            fmri_summary(fmri),
        )
        print(
            "pooled: accuracy over all test subjects; chance: pooled accuracy of predicting "
            "each training fold's majority class; above_chance: pooled > chance_p95 (p < 0.05)."
        )
    if not eeg.empty and protocol == "pseudo-online":
        _print_table(
            "EEG, pseudo-online evaluation (nMCC: 0.5 is chance; means over subjects):",
            summarize_pseudo_online(eeg),
        )
    elif not eeg.empty:
        _print_table(f"EEG, {protocol} evaluation:", summarize(eeg))
        print(
            "Scores are means over subjects; chance_p95 is the score a no-information "
            "classifier exceeds with p < 0.05; fit_time is CPU seconds per fold."
        )


def _no_tasks_error(args, eeg_datasets) -> CLIError:
    configs = load_pipelines(args.pipelines, include_slow=args.include_slow)
    listed = sorted({p for c in configs for p in c["paradigms"]})
    if not configs:
        return CLIError(
            f"no pipeline file in {args.pipelines} (.py or .yml, names not starting with "
            f"'_'); give a folder of pipeline files with --pipelines"
        )
    protocol = get_protocol(args.protocol)
    if protocol.scope == "held-out":
        return CLIError(
            f"no task to run: {args.protocol} needs datasets with two or more of --subjects "
            f"and pipelines for their paradigms (pipelines list {listed}); add subjects or "
            f"choose another --protocol"
        )
    served = {}  # dataset -> its paradigms that the pipelines list
    for name in eeg_datasets or dataset_names(protocol.paradigm):
        dataset = get_dataset(name, data_path=args.data_path)
        served[name] = (dataset, [p for p in dataset.paradigms if p in listed])
    served = {n: v for n, v in served.items() if v[1]}
    if served and not any(protocol.is_valid(d, p) for d, ps in served.values() for p in ps):
        return CLIError(
            f"the {args.protocol} protocol ({protocol.summary}) is valid for none of the "
            f"datasets {list(served)} that the pipelines serve (cross-session needs two "
            f"sessions per subject); choose another --protocol or other --datasets"
        )
    return CLIError(
        f"no pipeline in {args.pipelines} lists a paradigm of the datasets "
        f"{eeg_datasets or 'bundled'} (pipelines list {listed}); choose --datasets of "
        f"those paradigms or add pipelines for them"
    )


def _cmd_benchmark(args) -> int:
    if args.pipelines is None:  # ./pipelines, else the copy shipped with the package
        args.pipelines = [str(default_pipelines_dir())]
    else:
        args.pipelines = [_pipeline_arg(text) for text in args.pipelines]
    start = time.perf_counter()
    families = _families(args)
    if args.scheduler is not None:
        check_scheduler_address(args.scheduler)
    output = Path(args.output)
    _writable_dir(output, "--output")
    families = [f for f in families if _pipeline_folder(args, f, families) is not None]
    plans = plan_families(
        args.pipelines,
        args.datasets,
        args.subjects,
        families=families,
        protocol=args.protocol,
        fmri_protocols=args.fmri_protocols,
        include_slow=args.include_slow,
        data_path=args.data_path,
    )
    _check_planned(args, plans, families)
    with _scheduler(args) as scheduler:
        results = run_benchmark(
            args.pipelines,
            plans=plans,
            output=output,
            resume=args.resume,
            n_splits=args.n_splits,
            random_state=args.random_state,
            n_jobs=args.n_jobs,
            scheduler=scheduler,
            progress=not args.no_progress,
            log_level=args.log_level,
        )
    n_tasks = results.attrs.get("n_tasks", 0)
    resume = results.attrs.get("resume")
    if resume is not None:
        print(resume.summary())
        for line in resume.invalid + resume.stale:
            print(f"  recomputed {line}")
    failures = results.attrs.get("failures", pd.DataFrame())
    if not failures.empty:
        print(
            f"\n{len(failures)} of {n_tasks} task(s) failed (details in {output / 'failures.csv'}):"
        )
        for _, row in failures.iterrows():
            print(f"  {row['dataset']} S{row['subject']} {row['pipeline']}: {row['error']}")
    if results.empty:
        for stale in ("results.csv", "summary.csv", "leakage.csv"):
            (output / stale).unlink(missing_ok=True)
        print(
            f"neuropipe: every task failed ({n_tasks} of {n_tasks}); no results were written. "
            f"See {output / 'failures.csv'}.",
            file=sys.stderr,
        )
        return EXIT_TASKS_FAILED
    write_csv_atomic(results, output / "results.csv")
    write_csv_atomic(summarize(results), output / "summary.csv")
    _print_family_tables(results, args.protocol)
    status = EXIT_TASKS_FAILED if not failures.empty else EXIT_OK
    (output / "leakage.csv").unlink(missing_ok=True)
    if EEG.name in families and not args.no_leakage and args.protocol == "within-session":
        try:
            leak = leakage_report(
                args.pipelines,
                datasets=_datasets_of(args, EEG),
                subjects=args.subjects,
                n_splits=args.n_splits,
                random_state=EEG.seed(args.random_state),
                data_path=args.data_path,
            )
        except Exception as exc:  # the comparison is extra: report it, keep the results
            print(f"neuropipe: leakage comparison failed: {_one_line(exc)}", file=sys.stderr)
            status = EXIT_TASKS_FAILED
        else:
            if not leak.empty:
                write_csv_atomic(leak, output / "leakage.csv")
                _print_table(
                    "Feature selection on all trials (optimistic, as HappyFeat) vs inside CV:",
                    leak,
                )
    if not args.no_report:
        try:
            report = make_report(
                output,
                output / "report.html",
                command=shlex.join(["neuropipe", *args.argv]),
            )
        except Exception as exc:  # the results are written; the report is extra
            print(f"neuropipe: the HTML report failed: {_one_line(exc)}", file=sys.stderr)
            status = EXIT_TASKS_FAILED
        else:
            print(f"\nHTML report: {report}")
    print(f"Results: {output / 'results.csv'} ({time.perf_counter() - start:.0f} s)")
    return status


# --------------------------------------------------------------------------------------
# Parser and entry point
# --------------------------------------------------------------------------------------


def _add_console_options(parser, defaults: bool) -> None:
    """--verbose/--quiet/--debug, accepted before and after the sub-command."""
    default = {} if defaults else {"default": argparse.SUPPRESS}
    group = parser.add_argument_group("console")
    group.add_argument(
        "-v",
        "--verbose",
        action="count",
        help="show information (-v) or debugging messages (-vv) of neuropipe and MNE",
        **({"default": 0} if defaults else default),
    )
    group.add_argument(
        "-q",
        "--quiet",
        action="store_true",
        help="show errors only (default: warnings and results)",
        **({"default": False} if defaults else default),
    )
    group.add_argument(
        "--debug",
        action="store_true",
        help="show the full traceback of an error",
        **({"default": False} if defaults else default),
    )
    group.add_argument(
        "--threads",
        type=_at_least(1),
        help="BLAS/OpenMP threads per parallel task (default 1, or $NEUROPIPE_THREADS; an "
        "OMP_NUM_THREADS you set is kept); capped so that tasks x threads <= cores",
        **({"default": None} if defaults else default),
    )


def _log_level(args) -> str:
    if args.quiet:
        return "ERROR"
    return {0: "WARNING", 1: "INFO"}.get(args.verbose, "DEBUG")


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of the ``neuropipe`` command."""
    parser = _Parser(
        prog="neuropipe",
        description="Staged scikit-learn pipelines for EEG/BCI, fMRI and neural decoding. "
        "Exit codes: 0 every requested task produced a result, 1 some task failed, 2 an "
        "error in the options, input or output (one line on stderr), 3 an internal error.",
    )
    parser.add_argument("--version", action="version", version=f"neuropipe {__version__}")
    _add_console_options(parser, defaults=True)
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    p = sub.add_parser("datasets", help="list the bundled datasets")
    p.set_defaults(func=_cmd_datasets)
    _add_console_options(p, defaults=False)

    p = sub.add_parser(
        "pipelines",
        help="list the pipeline files: name, family, default or opt-in, summary",
        description="List the pipeline files (./pipelines when there is one, else those "
        "installed with neuropipe) by family: the NAME that load_pipeline('NAME') and "
        "neuropipe fit --pipeline NAME take, default or opt-in (--include-slow), the "
        "display name used in result tables and the file's one-line summary.",
    )
    p.add_argument("--pipelines", help="the pipelines folder to list (default as benchmark)")
    p.add_argument("--family", nargs="+", choices=paradigm_names(), help="only these families")
    p.set_defaults(func=_cmd_pipelines)
    _add_console_options(p, defaults=False)

    p = sub.add_parser(
        "benchmark",
        help="run every pipeline file on every bundled dataset of its paradigm",
        description="Every EEG pipeline in PIPELINES on every bundled dataset whose paradigm "
        "it lists (within-session stratified k-fold by default), the fMRI pipelines of "
        "PIPELINES/fmri on ABIDE (stratified 5-fold by site and label, and leave-one-site-"
        "out) and the decoding pipelines of PIPELINES/decoding on each decoding dataset "
        "(time-ordered split), all as tasks of one runner (--n-jobs, --dask, --scheduler, "
        "--resume); prints a table per family and writes one results.csv (one schema for "
        "the three families, column 'family'), summary.csv and tasks/ (each task's rows and "
        "per-fold arrays for the report).",
    )
    p.add_argument(
        "--pipelines",
        nargs="+",
        default=None,
        help="folders or files of pipelines, ours (.py) and MOABB's (.yml) side by side, "
        "or pipeline names (ts-lr: `neuropipe pipelines` lists them) (default ./pipelines, "
        "else the pipelines installed with neuropipe; fMRI and decoding pipelines are read "
        "from FOLDER/fmri/ and FOLDER/decoding/, and from the files given)",
    )
    p.add_argument(
        "--paradigms",
        nargs="+",
        default=None,
        choices=paradigm_names(),
        help="which benchmarks to run (default: the families of --datasets, else all)",
    )
    p.add_argument(
        "--datasets",
        nargs="+",
        help=f"dataset names (default: all); they imply their family ({', '.join(paradigm_names())})",
    )
    p.add_argument("--subjects", nargs="+", type=_at_least(0), help="subjects (default: all)")
    p.add_argument(
        "--data-path",
        metavar="ROOT",
        default=None,
        help="folder of dataset folders (as a checkout's data/: ROOT/eegmmidb, "
        "ROOT/abide-pcp-cc200, ROOT/flint2012...): every bundled or registered dataset is "
        "read from ROOT/<its folder> and only there, an error naming the folder when it is "
        "missing; user datasets (TOML, BIDS, moabb:) are not affected; another ROOT "
        "recomputes the tasks on --resume (default: $NEUROPIPE_DATA, else the clone's "
        "data/, else ~/neuropipe_data)",
    )
    p.add_argument(
        "--n-splits", type=_at_least(2), default=5, help="EEG within-session CV folds (default 5)"
    )
    p.add_argument(
        "--random-state",
        type=_seed,
        default=None,
        help="seed of every family's folds (default: each family's documented seed, EEG 42 "
        "as MOABB, fMRI 0 as docs/fmri.md)",
    )
    p.add_argument(
        "--protocol",
        default="within-session",
        type=_protocol(),
        metavar="PROTOCOL",
        help="evaluation protocol of its family's pipelines (default within-session; the "
        "other families keep their default protocols): "
        + "; ".join(f"{n}: {get_protocol(n).summary}" for n in protocol_names(EEG.name))
        + f"; or any registered protocol ({', '.join(protocol_names())})",
    )
    p.add_argument(
        "--fmri-protocols",
        nargs="+",
        default=None,
        metavar="PROTOCOL",
        type=_protocol(FMRI),
        help=f"fMRI protocols: {', '.join(protocol_names(FMRI.name))} (default "
        f"{' '.join(FMRI.default_protocols)}; the table of docs/fmri.md: stratified-10fold "
        "leave-site-out)",
    )
    p.add_argument(
        "--n-jobs", type=_n_jobs, default=1, help="parallel tasks (joblib; -1: every CPU)"
    )
    p.add_argument(
        "--dask",
        choices=["local"],
        help="'local': run the tasks on a new dask.distributed LocalCluster",
    )
    p.add_argument("--scheduler", help="run the tasks on this Dask scheduler (tcp://host:port)")
    p.add_argument(
        "--resume",
        action="store_true",
        help="reuse the tasks in OUTPUT/tasks/ that are intact and were computed with the "
        "same pipeline files, data, protocol, folds, seed and version; recompute the others",
    )
    p.add_argument("--include-slow", action="store_true", help="also run slow reference pipelines")
    p.add_argument("--output", default="results", help="output folder (default results/)")
    p.add_argument("--no-progress", action="store_true", help="hide the progress bar")
    p.add_argument(
        "--no-leakage",
        action="store_true",
        help="skip the optimistic (select on all trials) vs leak-free comparison",
    )
    p.add_argument("--no-report", action="store_true", help="skip the HTML report")
    p.set_defaults(func=_cmd_benchmark)
    _add_console_options(p, defaults=False)

    for add in (add_report_parser, add_fit_parser, add_predict_parser, add_online_parser):
        _add_console_options(add(sub), defaults=False)
    return parser


#: Output options checked before a sub-command starts: command -> [(attribute, option)].
_OUTPUT_FILES = {
    "fit": [("output", "-o")],
    "predict": [("output", "-o")],
    "online": [("output", "-o")],
}


def main(argv=None) -> int:
    """Entry point of the ``neuropipe`` command; returns the exit code.

    Expected errors (bad options, inputs, output paths; see :data:`EXPECTED_ERRORS`) are
    printed as one line, ``neuropipe: error: <problem>; <fix>``, with exit code 2; any
    other exception as one line with exit code 3. ``--debug`` shows the traceback
    instead. Exit code 0 means every requested task produced a valid result, 1 that some
    failed (the others are kept and reported).
    """
    parser = build_parser()
    try:
        args = parser.parse_args(None if argv is None else [str(a) for a in argv])
    except SystemExit as exc:  # --help, --version, usage errors: argparse printed them
        return exc.code if isinstance(exc.code, int) else EXIT_ERROR
    args.log_level = _log_level(args)
    args.argv = sys.argv[1:] if argv is None else [str(a) for a in argv]
    previous = os.environ.get(THREADS_ENV)
    try:
        if args.threads is not None:  # the runner and its workers read it
            os.environ[THREADS_ENV] = str(args.threads)
        threads = blas_threads(getattr(args, "n_jobs", 1))
        with log_level_context(args.log_level), limit_threads(threads):
            for attribute, option in _OUTPUT_FILES.get(args.command, []):
                _writable_file(getattr(args, attribute, None), option)
            status = args.func(args)
    except KeyboardInterrupt:
        print(
            "neuropipe: interrupted (finished tasks are kept: rerun with --resume)", file=sys.stderr
        )
        return EXIT_INTERRUPTED
    except (CLIError, *EXPECTED_ERRORS) as exc:
        if args.debug:
            raise
        print(f"neuropipe: error: {_one_line(exc)}", file=sys.stderr)
        return EXIT_ERROR
    except Exception as exc:
        if args.debug:
            raise
        print(
            f"neuropipe: error: internal error, {type(exc).__name__}: {_one_line(exc)}; rerun "
            f"with --debug for the "
            f"traceback and report it",
            file=sys.stderr,
        )
        return EXIT_BUG
    finally:
        if previous is None:
            os.environ.pop(THREADS_ENV, None)
        else:
            os.environ[THREADS_ENV] = previous
    if args.command in ("fit", "predict") and status == 1:
        return EXIT_ERROR  # clinical's handlers print their one-line error and return 1
    return status


if __name__ == "__main__":
    sys.exit(main())
