"""Write docs/reliability.md: what fuzzing tried on every public estimator and loader.

Runs ``tests/test_fuzz.py`` under pytest with the chosen hypothesis profile, collects the
per-target counts of input modes and outcomes the tests record (``NEUROPIPE_FUZZ_RECORD``)
and each test's result (JUnit XML), measures how pyRiemann's covariance estimators handle
singular input (issue 8, item 4), and writes the tables with the reported bugs.

Command (the README names it)::

    .venv/bin/python benchmarks/reliability_table.py            # CI profile, 200 examples
    .venv/bin/python benchmarks/reliability_table.py --profile nightly
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
import warnings
import xml.etree.ElementTree as ET
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

import test_fuzz  # noqa: E402  (the registry of targets, modes and known issues)


def run_fuzz(profile: str) -> tuple[dict, dict, float]:
    """Run the fuzz tests; return (record, {test id: status}, seconds)."""
    with tempfile.TemporaryDirectory() as tmp:
        record, junit = Path(tmp) / "record.json", Path(tmp) / "junit.xml"
        env = {**os.environ, "HYPOTHESIS_PROFILE": profile, "NEUROPIPE_FUZZ_RECORD": str(record)}
        command = [
            sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
            str(ROOT / "tests" / "test_fuzz.py"), f"--junitxml={junit}",
        ]  # fmt: skip
        start = time.perf_counter()
        subprocess.run(command, cwd=ROOT, env=env, check=False)
        seconds = time.perf_counter() - start
        status = {}
        for case in ET.parse(junit).getroot().iter("testcase"):
            name = case.get("name")
            if case.find("failure") is not None or case.find("error") is not None:
                status[name] = "FAILED"
            elif (skipped := case.find("skipped")) is not None:
                kind = skipped.get("type", "")
                status[name] = "xfail" if "xfail" in kind else f"skipped: {skipped.get('message')}"
            else:
                status[name] = "passed"
        return json.loads(record.read_text()), status, seconds


def _counts(counter: dict, limit: int | None = None) -> str:
    items = sorted(counter.items(), key=lambda kv: -kv[1])
    return ", ".join(f"{k} {v}" for k, v in items[:limit]) or "-"


def _result(status: str, known: dict) -> str:
    if status == "passed":
        return "clear errors only" + (" (outside known issues)" if known else "")
    return status


def target_table(record: dict, status: dict) -> list[str]:
    lines = [
        "| Target | Module | Bad inputs tried | Examples | Outcomes | Known issues "
        "(examples left out) | Result |",
        "|---|---|---|---|---|---|---|",
    ]
    for target in test_fuzz.TARGETS:
        rec = record.get(target.name, {"examples": 0, "modes": {}, "outcomes": {}, "known": {}})
        state = status.get(f"test_fuzz[{target.name}]", "not run")
        modes = _counts(rec["modes"], limit=8)
        lines.append(
            f"| `{target.name}` | `{target.module}` | {target.inputs}; modes: {modes} | "
            f"{rec['examples']} | {_counts(rec['outcomes'])} | {_counts(rec['known'])} | "
            f"{_result(state, rec['known'])} |"
        )
    return lines


#: Bugs fuzzing found and that were fixed: (id, target, bug, test file with its regression test).
FIXED = [
    ("F1", "PickChannels", "empty picks gave a bare IndexError", "tests/test_preprocessing.py"),
    ("F2", "BandPass", "l_freq=0 with h_freq=Nyquist reached scipy", "tests/test_preprocessing.py"),
    (
        "F3",
        "burg_ar, lag_features",
        "unchecked scalar / None / string input",
        "tests/features/test_spectral.py, tests/decoders/test_spike_history.py",
    ),
    ("F4", "NodeStrength", "ragged input reached numpy", "tests/features/test_connectivity.py"),
    (
        "F5",
        "13 estimators",
        "values above 1e150 overflowed to inf / NaN output",
        "tests/test_selection.py, tests/features/test_spectral.py, tests/decoders/",
    ),
    ("F6", "selectors", "ragged input reached numpy", "tests/test_selection.py"),
    ("F7", "autofeat_mask", "empty, text and NaN score maps", "tests/test_selection.py"),
    (
        "F8",
        "Kalman filter, DKF",
        "too few bins gave singular filtered covariances",
        "tests/decoders/test_kalman.py, tests/decoders/test_dkf.py",
    ),
    (
        "F9",
        "8 estimators",
        "strings reached numpy's conversion error",
        "tests/decoders/, tests/test_selection.py, tests/features/test_graph.py",
    ),
    (
        "F11",
        "read_decoding_csv",
        "np.loadtxt errors passed through",
        "tests/decoders/test_decoding_data.py",
    ),
    (
        "F12",
        "read_decoding_mat",
        "scipy errors, KeyError, segmentation faults on corrupt files",
        "tests/decoders/test_decoding_data.py",
    ),
    (
        "F13",
        "load_flint2012",
        "OSError on a checksum mismatch",
        "tests/decoders/test_decoding_data.py",
    ),
    (
        "F14",
        "load_pipeline_file",
        "YAML and execution errors passed through",
        "tests/decoders/test_decoding_data.py",
    ),
    ("F15", "read_raw", "a directory named like a recording", "tests/io/test_eeg.py"),
    ("F16", "read_roi_timeseries", "corrupt .npy / .gz / binary text", "tests/io/test_fmri.py"),
    ("F17", "read_raw", "NaN calibration fields gave NaN samples", "tests/io/test_eeg.py"),
    (
        "F18",
        "PSD (multitaper)",
        "short epochs reached scipy's DPSS",
        "tests/features/test_spectral.py",
    ),
    (
        "F19",
        "BandPass, FilterBank",
        "epochs as long as the filter padding",
        "tests/test_preprocessing.py",
    ),
    (
        "F20",
        "EmbeddingSearchCV, AugmentedCovariances",
        "flat epochs gave zero matrices and NaN probabilities",
        "tests/features/test_augmented.py",
    ),
    ("F21", "read_epochs", "band edges above Nyquist reached scipy", "tests/io/test_eeg.py"),
    ("F22", "ConnectivityGraph", "ROIs with underflowing variance", "tests/features/test_graph.py"),
    ("F23", "ConnectivityGraph", "singular partial correlation", "tests/features/test_graph.py"),
    (
        "F24",
        "BIDSDataset",
        "a recording cut inside its header gave MNE's bare ValueError",
        "tests/test_reliability_data.py",
    ),
    ("F25", "usable_rows", "an empty table failed in pandas", "tests/test_reliability_report.py"),
]


def fixed_table() -> list[str]:
    lines = ["| Bug | Target | What went wrong | Regression test |", "|---|---|---|---|"]
    lines += [f"| {i} | `{t}` | {what} | {where} |" for i, t, what, where in FIXED]
    return lines


def issue_table(status: dict) -> list[str]:
    if not test_fuzz.KNOWN_ISSUES:
        return ["None open: every bug fuzzing found is fixed (below).", ""]
    lines = []
    for issue, entry in sorted(test_fuzz.KNOWN_ISSUES.items(), key=lambda kv: int(kv[0][1:])):
        state = status.get(f"test_known_issue[{issue}]", "not run")
        reproduced = {"xfail": "reproduces", "FAILED": "FIXED: delete the entry"}.get(state, state)
        lines += [
            f"### {issue}: {', '.join(entry.targets)} ({entry.module}) - {reproduced}",
            "",
            entry.summary,
            "",
            "```python",
            "import numpy as np",
            entry.setup,
            entry.call,
            "```",
            "",
            f"Suggested fix: {entry.fix}",
            "",
        ]
    return lines


def covariance_table() -> list[str]:
    """pyRiemann's Covariances against AugmentedCovariances(order=1) on singular epochs."""
    from pyriemann.estimation import Covariances
    from pyriemann.tangentspace import TangentSpace

    from neuropipe.features.augmented import AugmentedCovariances

    rng = np.random.default_rng(0)
    cases = {
        "duplicated channel (rank 2 of 3)": rng.standard_normal((6, 3, 100)),
        "fewer samples than channels (8 ch, 5 samples)": rng.standard_normal((6, 8, 5)),
        "one flat channel": rng.standard_normal((6, 3, 100)),
        "flat epoch (all zeros)": np.zeros((6, 3, 100)),
    }
    cases["duplicated channel (rank 2 of 3)"][:, 2] = cases["duplicated channel (rank 2 of 3)"][
        :, 1
    ]
    cases["one flat channel"][:, 0] = 1.0

    def outcome(estimator, X):
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            try:
                C = estimator.fit_transform(X)
            except ValueError as exc:
                return f"ValueError: {str(exc)[:60]}...", "-"
        said = [str(w.message) for w in caught if "deprecated" not in str(w.message)]
        eig = f"{np.linalg.eigvalsh(C)[:, 0].min():.2e}"
        if said:
            eig += f"; warns: {said[0][:60]}..."
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                T = TangentSpace().fit(C).transform(C)
            ts = "finite" if np.all(np.isfinite(T)) else "NaN / inf, no error"
        except ValueError as exc:
            ts = f"ValueError: {str(exc)[:50]}"
        return eig, ts

    lines = [
        "| Input | Estimator | pyRiemann `Covariances`: smallest eigenvalue | TangentSpace on it "
        "| neuropipe `AugmentedCovariances(order=1)` | TangentSpace on it |",
        "|---|---|---|---|---|---|",
    ]
    for label, X in cases.items():
        for estimator in ("scm", "oas", "lwf"):
            theirs = outcome(Covariances(estimator), X)
            mine = outcome(AugmentedCovariances(estimator=estimator), X)
            lines.append(f"| {label} | `{estimator}` | {' | '.join(theirs)} | {' | '.join(mine)} |")
    return lines


def write(record, status, seconds, profile, output):
    issue_states = [s for k, s in status.items() if k.startswith("test_known_issue")]
    fuzz_states = [s for k, s in status.items() if k.startswith("test_fuzz")]
    profile_info = record.get("_profile", {})
    text = [
        "# Reliability: fuzzed inputs, clear errors",
        "",
        "Every public estimator, plain function and loader is fed random shapes, dtypes, NaN "
        "and inf, empty arrays, extreme magnitudes, single-class and malformed labels, bad "
        "parameters and (loaders) truncated or corrupted files by the hypothesis tests in "
        "`tests/test_fuzz.py`. Each call must either work, with finite output for finite "
        "input and the documented shape (SPD filtered covariances for the Kalman filters), "
        "or raise a documented exception (`ValueError`, including `DataFileError` and "
        "`NotFittedError`, `TypeError` or `FileNotFoundError`) with a message of our own; "
        "an exception raised inside numpy or scipy, or carrying only their generic message, "
        "fails. A 5 s hypothesis deadline per example catches hangs.",
        "",
        f"Figures of the latest run: profile `{profile}` "
        f"({profile_info.get('max_examples', '?')} examples per target), "
        f"{len([s for s in fuzz_states if s == 'passed'])} of {len(fuzz_states)} targets "
        f"passed, {len([s for s in issue_states if s == 'xfail'])} reported bugs still "
        f"reproduce ({len(FIXED)} fixed); the run took {seconds:.0f} s. Produced by:",
        "",
        "```bash",
        f".venv/bin/python benchmarks/reliability_table.py --profile {profile}",
        "```",
        "",
        "(`HYPOTHESIS_PROFILE=nightly .venv/bin/python -m pytest tests/test_fuzz.py` runs "
        "2,000 random examples per target; the default profile is derandomised, so CI sees "
        "the same 200 examples every time.)",
        "",
        "Examples counts every example run (hypothesis also replays some while it explores); "
        "outcomes count calls (fit, transform / predict of two inputs, and a call before "
        "fit that must raise `NotFittedError`). Inputs that hit a reported bug are left out "
        "of the fuzzing until it is fixed, and counted under known issues; each bug has a "
        "reproducer run as a strict xfail by `test_known_issue`.",
        "",
        "## Input modes",
        "",
        "Arrays: "
        + "; ".join(f"`{k}`: {v}" for k, v in test_fuzz.ARRAY_MODES.items())
        + ". Labels: `valid`, `single` class, wrong `length`, `2d`, `nan`, `mixed` types, "
        "`empty`. Files: " + "; ".join(f"`{k}`: {v}" for k, v in test_fuzz.FILE_MODES.items()),
        "",
        "## Targets",
        "",
        *target_table(record, status),
        "",
        "## Reported bugs (in modules owned by others)",
        "",
        *issue_table(status),
        "## Fixed bugs",
        "",
        *fixed_table(),
        "",
        "## Singular covariance matrices (issue 8, item 4)",
        "",
        "pyRiemann's `Covariances` does not fall back to shrinkage: `scm` returns singular "
        "matrices for rank-deficient epochs without a warning, and the error only comes in "
        "`TangentSpace`; a flat epoch gives the zero matrix for every estimator. neuropipe's "
        "covariance estimator (`AugmentedCovariances`, `order=1` for plain covariances; "
        "`on_singular='shrink'` by default) replaces each singular `cov` / `scm` matrix by "
        "its OAS estimate with a warning naming the epochs, and rejects flat epochs with a "
        "clear error (`on_singular='warn'` keeps pyRiemann's output, `'raise'` refuses). "
        "The DKF and Kalman filters refuse fits whose noise covariances vanish (F8), and a "
        "property test (`tests/decoders/test_dkf.py`) checks that fitted filters keep SPD "
        "covariances. Measured on 6 epochs:",
        "",
        *covariance_table(),
        "",
    ]
    Path(output).write_text("\n".join(text))
    print(f"Wrote {output}")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--profile", default="default", choices=sorted(test_fuzz.PROFILES))
    parser.add_argument("--output", default=str(ROOT / "docs" / "reliability.md"))
    args = parser.parse_args(argv)
    record, status, seconds = run_fuzz(args.profile)
    write(record, status, seconds, args.profile, args.output)


if __name__ == "__main__":
    main()
