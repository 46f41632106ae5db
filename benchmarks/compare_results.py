"""Compare two ``results.csv`` of ``neuropipe benchmark``: same rows, same values?

Used to check that a refactor leaves every score unchanged (issue 25): rows are matched on
their key (family, dataset, pipeline, evaluation, subject, session, state) and every column
but the timings is compared; the script prints the rows found on one side only and the
largest difference of each column that differs, and exits 1 if anything differs.

Command (two runs of the main job, e.g. before and after a change, each in its own clone)::

    .venv/bin/python benchmarks/compare_results.py OLD/results/results.csv NEW/results/results.csv
"""

from __future__ import annotations

import argparse
import sys

import numpy as np
import pandas as pd

KEY = ["family", "dataset", "pipeline", "evaluation", "subject", "session", "state"]


def compare(old: pd.DataFrame, new: pd.DataFrame) -> list[str]:
    """The differences between two results tables, in words (empty: equal)."""
    key = [c for c in KEY if c in old.columns and c in new.columns]
    problems = []
    if list(old.columns) != list(new.columns):
        problems.append(f"columns differ: {list(old.columns)} vs {list(new.columns)}")
    merged = old.merge(new, on=key, how="outer", suffixes=("_old", "_new"), indicator=True)
    for side, label in (("left_only", "old"), ("right_only", "new")):
        rows = merged[merged["_merge"] == side]
        if len(rows):
            problems.append(f"{len(rows)} rows only in the {label} table: {rows[key].head(3)}")
    both = merged[merged["_merge"] == "both"]
    for column in old.columns:
        if column in key or "time" in column or column not in new.columns:
            continue
        a, b = both[f"{column}_old"], both[f"{column}_new"]
        if pd.api.types.is_numeric_dtype(a) and pd.api.types.is_numeric_dtype(b):
            a, b = a.to_numpy(float), b.to_numpy(float)
            nan = np.isnan(a) != np.isnan(b)
            gap = np.abs(a - b)[~np.isnan(a) & ~np.isnan(b)]
            if nan.any() or (gap.size and gap.max() > 0):
                problems.append(
                    f"{column}: max |difference| {gap.max() if gap.size else 0:.3g}, "
                    f"{int(nan.sum())} rows NaN on one side only"
                )
        elif (a.astype(str) != b.astype(str)).any():
            problems.append(f"{column}: {int((a.astype(str) != b.astype(str)).sum())} rows differ")
    return problems


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("old")
    parser.add_argument("new")
    args = parser.parse_args(argv)
    read = dict(dtype={"subject": str, "session": str, "state": str}, keep_default_na=True)
    old, new = pd.read_csv(args.old, **read), pd.read_csv(args.new, **read)
    problems = compare(old, new)
    print(f"{len(old)} rows vs {len(new)} rows")
    print("\n".join(problems) if problems else "every row and value equal (timings aside)")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
