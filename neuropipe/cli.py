"""The ``neuropipe`` command: ``datasets``, ``benchmark``, ``report``, ``fit``, ``predict``."""

from __future__ import annotations

import argparse
import sys
import time
from contextlib import contextmanager
from pathlib import Path

import pandas as pd

__all__ = ["main"]

#: The benchmark families: EEG pipelines (pipelines/*.py), fMRI (pipelines/fmri/) and
#: decoding (pipelines/decoding/).
PARADIGM_FAMILIES = ("eeg", "fmri", "decoding")


def _cmd_datasets(args) -> int:
    from .datasets import list_datasets

    table = list_datasets()
    columns = ["name", "modality", "paradigms", "subjects", "classes", "licence"]
    with pd.option_context("display.width", 160, "display.max_colwidth", 60):
        print(table[columns].to_string(index=False))
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
    from .evaluation.benchmark import dask_client

    with dask_client(address, n_workers=max(args.n_jobs, 2)) as client:
        print(f"Dask scheduler: {client.scheduler.address}")
        yield client


def _cmd_benchmark(args) -> int:
    from .evaluation.benchmark import (
        leakage_report,
        run_benchmark,
        run_decoding_benchmark,
        run_fmri_benchmark,
        summarize,
    )
    from .evaluation.fmri import summarize_fmri

    if args.pipelines is None:  # ./pipelines, else the copy shipped with the package
        from .datasets.paths import default_pipelines_dir

        args.pipelines = [str(default_pipelines_dir())]
    start = time.perf_counter()
    output = Path(args.output)
    output.mkdir(parents=True, exist_ok=True)
    if "decoding" in args.paradigms:
        decoding = run_decoding_benchmark(args.pipelines[0], progress=not args.no_progress)
        if not decoding.empty:
            decoding.to_csv(output / "decoding.csv", index=False)
            overall = decoding[decoding["state"] == "all"]
            _print_table(
                "Continuous decoding (time-ordered split; score = R2 averaged over states):",
                overall[["dataset", "pipeline", "score", "nrmse", "maae", "time", "samples"]],
            )
    if "fmri" in args.paradigms:
        fmri = run_fmri_benchmark(args.pipelines[0], n_jobs=args.n_jobs)
        if not fmri.empty:
            fmri.to_csv(output / "fmri.csv", index=False)
            _print_table(
                "Resting-state fMRI, ABIDE CC200 (249 subjects, autism vs control; accuracy):",
                summarize_fmri(fmri),
            )
    if "eeg" not in args.paradigms:
        print(f"Results: {output} ({time.perf_counter() - start:.0f} s)")
        return 0
    with _scheduler(args) as scheduler:
        results = run_benchmark(
            args.pipelines,
            datasets=args.datasets,
            subjects=args.subjects,
            protocol=args.protocol,
            output=output,
            resume=args.resume,
            n_splits=args.n_splits,
            random_state=args.random_state,
            n_jobs=args.n_jobs,
            scheduler=scheduler,
            include_slow=args.include_slow,
            progress=not args.no_progress,
        )
    failures = results.attrs.get("failures", pd.DataFrame())
    if not failures.empty:
        print(f"\n{len(failures)} task(s) failed (details in {output / 'failures.csv'}):")
        for _, row in failures.iterrows():
            print(f"  {row['dataset']} S{row['subject']} {row['pipeline']}: {row['error']}")
    if results.empty:
        print("No pipeline matched any dataset paradigm: nothing was run.", file=sys.stderr)
        return 1
    results.to_csv(output / "results.csv", index=False)
    table = summarize(results)
    table.to_csv(output / "summary.csv", index=False)
    _print_table(f"EEG, {args.protocol} evaluation:", table)
    print(
        "Scores are means over subjects; chance_p95 is the score a no-information "
        "classifier exceeds with p < 0.05."
    )
    if not args.no_leakage and args.protocol == "within-session":
        leak = leakage_report(
            args.pipelines,
            datasets=args.datasets,
            subjects=args.subjects,
            n_splits=args.n_splits,
            random_state=args.random_state,
        )
        if not leak.empty:
            leak.to_csv(output / "leakage.csv", index=False)
            _print_table(
                "Feature selection on all trials (optimistic, as HappyFeat) vs inside CV:", leak
            )
    if not args.no_report:
        from .report.html import make_report

        report = make_report(
            output,
            output / "report.html",
            pipelines_dir=args.pipelines[0],
            command="neuropipe " + " ".join(sys.argv[1:]),
        )
        print(f"\nHTML report: {report}")
    if not failures.empty:
        return 1
    print(f"Results: {output / 'results.csv'} ({time.perf_counter() - start:.0f} s)")
    return 0


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of the ``neuropipe`` command."""
    parser = argparse.ArgumentParser(
        prog="neuropipe",
        description="Staged scikit-learn pipelines for EEG/BCI, fMRI and neural decoding.",
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    p = sub.add_parser("datasets", help="list the bundled datasets")
    p.set_defaults(func=_cmd_datasets)

    p = sub.add_parser(
        "benchmark",
        help="run every pipeline file on every bundled dataset of its paradigm",
        description="Within-session stratified k-fold CV of every pipeline in PIPELINES on "
        "every bundled dataset whose paradigm it lists; prints a dataset x pipeline table "
        "and writes results.csv and summary.csv.",
    )
    p.add_argument(
        "--pipelines",
        nargs="+",
        default=None,
        help="folders or files of pipelines, ours (.py) and MOABB's (.yml) side by side "
        "(default ./pipelines, else the pipelines installed with neuropipe; decoding "
        "pipelines are read from FOLDER/decoding/)",
    )
    p.add_argument(
        "--paradigms",
        nargs="+",
        default=list(PARADIGM_FAMILIES),
        choices=PARADIGM_FAMILIES,
        help="which benchmarks to run (default: all)",
    )
    p.add_argument("--datasets", nargs="+", help="dataset names (default: all)")
    p.add_argument("--subjects", nargs="+", type=int, help="subjects (default: all)")
    p.add_argument("--n-splits", type=int, default=5, help="CV folds (default 5)")
    p.add_argument("--random-state", type=int, default=42, help="seed of the folds")
    p.add_argument(
        "--protocol",
        default="within-session",
        choices=["within-session", "cross-session", "cross-subject"],
        help="evaluation protocol of the EEG pipelines (default within-session)",
    )
    p.add_argument("--n-jobs", type=int, default=1, help="parallel tasks (joblib)")
    p.add_argument(
        "--dask",
        choices=["local"],
        help="'local': run the tasks on a new dask.distributed LocalCluster",
    )
    p.add_argument("--scheduler", help="run the tasks on this Dask scheduler (tcp://host:port)")
    p.add_argument(
        "--resume",
        action="store_true",
        help="keep the tasks already finished in OUTPUT/tasks/ and run only the others",
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

    from .clinical import add_fit_parser, add_predict_parser
    from .report.cli import add_report_parser

    add_report_parser(sub)
    add_fit_parser(sub)
    add_predict_parser(sub)
    return parser


def main(argv=None) -> int:
    """Entry point of the ``neuropipe`` command."""
    args = build_parser().parse_args(argv)
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
