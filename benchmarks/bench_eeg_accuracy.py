"""Motor-imagery accuracy of every pipeline file beside pyRiemann references (EEGMMIDB).

Protocol: the bundled EEGMMIDB left/right subjects (S001-S006), MOABB's default epochs
(``PhysionetMI`` interval 0-3 s after the cue, ``LeftRightImagery`` band 8-32 Hz, 160 Hz,
64 channels), within-session stratified 5-fold cross-validation with MOABB's folds
(``random_state=42``), ROC-AUC. Every pipeline file of ``pipelines/`` that lists
``LeftRightImagery`` is scored, and two references are built inline in this process:
pyRiemann's FgMDM and TS+SVM as MOABB's ``FgMDM.yml`` and ``TSSVM.yml`` configure them
(OAS covariances; linear SVC with C=1). The script prints per-subject scores, the mean,
the difference to both references, CPU seconds per fold fit, and writes the markdown
table with the protocol next to it.

Raw rows (one per pipeline and subject) are merged into ``--csv``: a run of some pipelines
(``--only``) replaces their rows and keeps the others, and ``--render`` rewrites the table
from the CSV without running anything, so the table can be built in parts.

``--transfer`` runs the separate transfer protocol instead
(:func:`neuropipe.evaluation.transfer.evaluate_transfer`: per target subject, the other
subjects' trials re-centred per subject plus 36 or 9 of the target's trials, tested on the
within-session test folds) into ``docs/eeg_transfer.csv``; the page renders it in its own
section.

Run:
    OMP_NUM_THREADS=1 .venv/bin/python benchmarks/bench_eeg_accuracy.py \
        --include-slow --exclude "ACM+TS+SVM (grid)" --n-jobs 2 \
        --csv docs/eeg_accuracy.csv --output docs/eeg_accuracy.md
    OMP_NUM_THREADS=1 .venv/bin/python benchmarks/bench_eeg_accuracy.py --transfer --n-jobs 2
    .venv/bin/python benchmarks/bench_eeg_accuracy.py --render \
        --csv docs/eeg_accuracy.csv --output docs/eeg_accuracy.md
"""

from __future__ import annotations

import argparse
import os
import sys
import time
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

REFERENCES = ("ref: pyRiemann FgMDM", "ref: pyRiemann TS+SVM")

#: Reading notes printed under the table (kept here so that --render reproduces the page).
NOTES = """## Notes

- **Epochs.** `load_dataset("eegmmidb-leftright")` and `neuropipe benchmark` now epoch
  EEGMMIDB as MOABB's `LeftRightImagery()` does by default (0-3 s, 8-32 Hz, 160 Hz, 64
  channels); the former 0.5-2.5 s, 8-30 Hz window is `epoching="short"` (`--epoching short`
  here). Epochs and scores are identical to MOABB's own evaluation on these epochs
  ([moabb_parity.md](moabb_parity.md); `tests/evaluation/test_moabb_interop.py`).
- **Leak-free tuning.** Every searched setting is chosen on training trials only.
  `tests/evaluation/test_shuffled_labels.py` runs the shipped CAR+PSD search on permuted
  labels of S001/S002 under this protocol: the mean of four null ROC-AUCs is within 0.12 of
  0.5, while the true labels of S002 give > 0.85 and selecting the same features on all
  trials gives > 0.75 on permuted labels.
- **Second round (issue 13), fixed before scoring.** These variants and their principles
  were committed (8db0c25) before any of them was scored on S001-S006; all are in the table.
  PSD/NS family: `CAR+logBP(mu,beta)+sLDA` (log Welch power in mu and beta of all 64
  channels, 128 features, shrinkage LDA, nothing tuned): 0.740; `CAR+MT-logBP(4 Hz)+sLDA`
  (multitaper log power in six 4 Hz bands 8-32 Hz, 384 features, shrinkage LDA, nothing
  tuned): 0.755; `CAR+logPSD+topk+sLDA (k by inner CV)` (log Welch 1 Hz bins, top-k R²
  with k in {30, 100, 300, 1600} by 3 inner splits, shrinkage LDA): 0.770. All three are
  within 0.02 of TS+SVM or above it: what held HappyFeat's spectra back was the small
  selection (3-30 features) on linear power, not the per-channel spectra; a shrinkage LDA
  on all log band powers of a common-average-referenced montage is as good as the tangent
  space here. The best default of the family is now the multitaper one (0.21 CPU s per
  fold); the top-k search is opt-in (4.6 CPU s per fold). New default candidate:
  `Vote(TS+LR, ACM+LR, logPSD)` (the opt-in vote's three families with logistic
  regressions instead of its two costly shrinkage LDAs): 0.710, below FgMDM, made opt-in.
  A surface-Laplacian variant was considered but needs a new spatial-filter estimator in
  `neuropipe/preprocessing.py` and was not built.
- **Third round, after a look (disclosed).** `Vote(TS-SM+sLDA, MT-logBP+sLDA)` (soft vote
  of a tangent-space shrinkage LDA on the 21 sensorimotor channels and the multitaper
  band-power LDA; 0.37 CPU s per fold) was designed after the second round's scores were
  known, and scored once: 0.750, **+0.005 over FgMDM on the mean, far inside the spread of
  six subjects** (standard deviation of its per-subject differences to FgMDM 0.19: it wins
  on S005/S006 by 0.14-0.32 and loses on S001/S003/S004 by 0.10-0.21), and below its own
  band-power member (0.755). It is the default new pipeline that nominally beats FgMDM;
  we do not claim it is better than FgMDM.
- **Targets, honestly.** PSD/NS family: met by untuned log band power (above). ACM family:
  met (0.723, -0.015). New pipelines: the opt-in Vote(TS+sLDA, ACM, logPSD) (19 CPU s
  per fold) leads at 0.762 (+0.017, written after its stacked sibling was scored); the only
  default new pipeline above FgMDM does so by +0.005. Neither margin is larger than the
  subject spread; the PSD-family pipelines (0.740-0.770) are as strong as any of them.
- **Disclosure.** While building the first round we looked at the mean of a few variants on
  these same six subjects (HappyFeat's Burg spectra vs Welch spectra after a common average
  reference, an ANOVA+logistic-regression vs ANOVA+SVM filter bank, stacking vs an
  equal-weight vote); the shipped choices follow those looks (Welch spectra, SVM, the vote),
  so their scores here are optimistic; so is the third round's vote (above). The second
  round was fixed before scoring.
- **Opt-in** (`--include-slow`, `"slow": True` in the file, docstring says why): NS+R2+LDA
  (below chance), PSD+R2+LDA and PSD+NS+R2+sLDA (HappyFeat reproductions at chance; the
  leakage report still measures them), CAR+NS+R2+sLDA (not above the 6-subject threshold),
  FBTS+select+SVM, TS+ElasticNet and Stack(TS, ACM, logPSD) (each 2.4-4 CPU s per fold and
  below a cheaper default), Vote(TS+LR, ACM+LR, logPSD) (below FgMDM), CAR+logPSD+topk+sLDA
  (4.6 CPU s per fold), Vote(TS+sLDA, ACM, logPSD) (19 CPU s per fold), ACM+TS+SVM (grid)
  (MOABB's exact grid, minutes per fold; not run here).
- **Cost.** `fit s/fold` is CPU time of one training fit (`time.process_time`, not
  inflated by the load of a shared machine). The default MI set's first-round new
  pipelines add about 8 CPU s per fold (FgMDM 3.5, ACM sensorimotor 2.4, CAR+PSD 1.6, TS+SVM
  0.3), about 4 CPU minutes over the 30 left/right folds of `neuropipe benchmark`; the
  second and third rounds add 0.66 CPU s per fold to the default set (multitaper band power
  0.21, mu/beta band power 0.08, the vote 0.37), about 20 CPU s over the 30 folds; the
  longer MOABB epochs (481 vs 321 samples) also make the older pipelines slower.
"""
ROOT = Path(__file__).resolve().parents[1]

#: Reading notes under the transfer table (filled in after the run it describes).
TRANSFER_NOTES = """Reading the transfer table (all numbers from the run above, same folds and test trials
as the within-session table):

- **With a full calibration (36 target trials)**, re-centred transfer from the other five
  subjects lifts the mean from 0.745 (within-session FgMDM) to 0.778 (RCT+FgMDM) and 0.777
  (RCT+TS+SVM): +0.03, less than the subject spread (standard deviation of the per-subject
  differences 0.06 and 0.09). It helps the weak subjects (S003, S005, S006: +0.06 to +0.15)
  and costs the strong ones a little (S002: -0.03 to -0.05).
- **With a short calibration (9 target trials)**, it matters: FgMDM on the 9 trials alone
  scores 0.607; with the other subjects' re-centred trials, 0.718 (RCT+FgMDM, +0.11, better
  in 4 subjects, worse in 1) and 0.705 (RCT+TS+SVM, +0.10, better in 5, worse in 1), 0.03-0.04
  below within-session FgMDM with four times more target trials.
- Fitting on 225 + 36 trials costs 3-6 CPU s per fold (64 x 64 Riemannian means of each
  subject); pyRiemann's stretching (`TLScale`) and Procrustes rotation (`TLRotate`) are
  available in `recentering_pipeline` (tested on a toy problem) but were not scored: the
  rotation's optimisation on 64 x 64 matrices had not finished one target's 5 folds after
  12 minutes (wall time on the loaded shared machine) and was stopped.
- Five source subjects is a small pool; these figures are not comparable with MOABB's
  within-session tables and are never mixed into the table above.
"""


def references() -> dict:
    """pyRiemann's FgMDM and TS+SVM, as MOABB's FgMDM.yml and TSSVM.yml."""
    from pyriemann.classification import FgMDM
    from pyriemann.estimation import Covariances
    from pyriemann.tangentspace import TangentSpace
    from sklearn.pipeline import make_pipeline
    from sklearn.svm import SVC

    return {
        REFERENCES[0]: make_pipeline(Covariances(estimator="oas"), FgMDM(metric="riemann")),
        REFERENCES[1]: make_pipeline(
            Covariances(estimator="oas"), TangentSpace(metric="riemann"), SVC(kernel="linear")
        ),
    }


def _score(name, pipeline, data, subject):
    import mne

    from neuropipe.evaluation.protocols import evaluate_within_session

    warnings.filterwarnings("ignore")
    mne.set_log_level("ERROR")
    part = data[np.flatnonzero(data.metadata["subject"].to_numpy() == subject)]
    return evaluate_within_session({name: pipeline}, part, "eegmmidb-leftright")


def run(subjects, include_slow, n_jobs, pipelines_dir, only, exclude, epoching) -> tuple:
    from joblib import Parallel, delayed

    from neuropipe.benchmark.pipeline_files import load_pipelines
    from neuropipe.datasets import load_dataset

    configs = [
        c
        for c in load_pipelines(pipelines_dir, include_slow=include_slow)
        if "LeftRightImagery" in c["paradigms"]
    ]
    info = {c["name"]: c for c in configs}
    pipelines = {**references(), **{c["name"]: c["pipeline"] for c in configs}}
    pipelines = {
        name: pipe
        for name, pipe in pipelines.items()
        if (not only or name in only) and name not in (exclude or [])
    }
    data = load_dataset("eegmmidb-leftright", subjects=subjects, epoching=epoching)
    # a pipeline file configured exactly as a reference (FgMDM.yml) is scored once: same
    # estimator, same folds, hence the same scores
    same_as = {}
    for name, pipe in pipelines.items():
        twin = next(
            (n for n, p in pipelines.items() if n in same_as.values() and repr(p) == repr(pipe)),
            None,
        )
        same_as[name] = twin or name
    start = time.perf_counter()
    parts = Parallel(n_jobs=n_jobs, verbose=0)(
        delayed(_score)(name, pipelines[name], data, s)
        for name in dict.fromkeys(same_as.values())
        for s in subjects
    )
    wall = time.perf_counter() - start
    results = pd.concat(parts, ignore_index=True)
    copies = [
        results[results["pipeline"] == twin].assign(pipeline=name)
        for name, twin in same_as.items()
        if twin != name
    ]
    results = pd.concat([results, *copies], ignore_index=True)
    results["family"] = [
        info[p].get("family", "") if p in info else "reference" for p in results["pipeline"]
    ]
    results["set"] = [
        "inline" if p in REFERENCES else ("opt-in" if info[p].get("slow") else "default")
        for p in results["pipeline"]
    ]
    return results, wall


def merge(csv: Path | None, results: pd.DataFrame) -> pd.DataFrame:
    """Rows of ``csv`` for other pipelines, then the new rows; written back to ``csv``."""
    if csv is None:
        return results
    if csv.exists():
        old = pd.read_csv(csv)
        results = pd.concat(
            [old[~old["pipeline"].isin(results["pipeline"])], results], ignore_index=True
        )
    results.to_csv(csv, index=False)
    return results


def current_sets(results: pd.DataFrame, pipelines_dir) -> pd.DataFrame:
    """``family`` and ``set`` columns as the pipeline files say now."""
    from neuropipe.benchmark.pipeline_files import load_pipelines

    info = {c["name"]: c for c in load_pipelines(pipelines_dir, include_slow=True)}
    results = results[results["pipeline"].isin(list(info) + list(REFERENCES))].copy()
    for name, config in info.items():
        rows = results["pipeline"] == name
        results.loc[rows, "family"] = config.get("family", "")
        results.loc[rows, "set"] = "opt-in" if config.get("slow") else "default"
    return results


def table(results: pd.DataFrame) -> pd.DataFrame:
    scores = results.pivot(index="pipeline", columns="subject", values="score")
    scores.columns = [f"S{int(s):03d}" for s in scores.columns]
    out = scores.copy()
    out["mean"] = scores.mean(axis=1)
    out["std"] = scores.std(axis=1)
    out["vs FgMDM"] = out["mean"] - out.loc[REFERENCES[0], "mean"]
    out["vs TS+SVM"] = out["mean"] - out.loc[REFERENCES[1], "mean"]
    out["fit s/fold"] = results.groupby("pipeline")["time"].mean()
    out["family"] = results.groupby("pipeline")["family"].first().fillna("")
    out["set"] = results.groupby("pipeline")["set"].first()
    return out.sort_values("mean", ascending=False)


def subject_columns(out: pd.DataFrame) -> list:
    """The per-subject score columns (S001, ...) of a table."""
    return [c for c in out.columns if c.startswith("S") and c[1:].isdigit()]


#: Where each default pipeline is weak, in words; its numbers come from the table.
WEAKNESS = {
    "CAR+MT-logBP(4 Hz)+sLDA": ("spectra only: no spatial pattern; near chance on S003"),
    "Vote(TS-SM+sLDA, MT-logBP+sLDA)": (
        "designed after a look at these subjects (its score is optimistic); needs C3, Cz, C4"
    ),
    "FgMDM": (
        "the widest spread: 0.94-0.99 on S001/S002, below chance on S005; the costliest default"
    ),
    "CAR+logBP(mu,beta)+sLDA": ("two bands per channel only; the cheapest default"),
    "TS+SVM": ("as FgMDM: strong subjects strong, S005 below chance"),
    "ACM+TS+SVM (sensorimotor, OAS)": (
        "needs at least 3 of the 21 sensorimotor 10-20 channels (C3, Cz, C4 on a 19-channel "
        "cap); order/lag search costs 10x TS+SVM"
    ),
    "TS+LR": ("the lowest default mean; the README's example"),
}

#: "Which pipeline to use": the rule of the default set and what it keeps ({table}: the
#: defaults' spread, from the results).
WHICH_PIPELINE = """## Which pipeline to use

The evidence is six subjects (the bundled EEGMMIDB S001-S006, within-session 5-fold ROC-AUC,
the table below), far too few to rank pipelines by their means: the means of the defaults
(0.71-0.76) differ by less than one subject's spread (per-subject standard deviation
0.15-0.23). The default set is therefore chosen by a rule on the **spread across subjects**
(issue 27's principle: a pipeline whose per-subject scores straddle chance is opt-in): a
default scores at or below chance (ROC-AUC 0.5) on at most one of the six subjects; a
pipeline with two or more subjects at or below 0.5 is opt-in (`--include-slow`), whatever its
mean. The threshold (two of six) was set with this table in view, so it is a description of
these six subjects, not a validated cut-off. `tests/test_default_set.py` checks the files'
flags against the recorded scores of docs/eeg_accuracy.csv.

{table}

**Start with** `car_logbp_slda.py` (mu/beta log band power of a common-average-referenced
montage, shrinkage LDA, nothing tuned: 0.08 CPU s per fold, never below 0.47) or
`car_mt_logbp_slda.py` (six 4 Hz bands, the best default mean, never below chance); add the
tangent-space baselines (FgMDM, TS+SVM, TS+LR: MOABB's references) to compare with
published numbers. Every default runs on any montage (channel subsets are 10-20 names
resolved at `fit`, rates come from the data: a 17- and a 32-channel cap in
`tests/test_montage.py`); the two sensorimotor pipelines refuse a cap without the
sensorimotor names, with an error naming what is missing.

Made opt-in by the rule (each file's docstring says why): ACM+MDM (fast) (0.573; 0.48, 0.38,
0.48 on S003, S005, S006), CSP+LDA (0.635; 0.43, 0.47, 0.50 on S003, S005, S006; kept as
MOABB's classic reference), CAR+PSD+R2+sLDA (inner CV) (0.687; 0.46, 0.44 on S003, S005),
and ACM+TS+SVM (fast), below chance on S005 only but on 64 channels its `max_dim` leaves it
order 1, i.e. TS+SVM with a search that cannot use what it finds (0.693 vs TS+SVM 0.732).
The opt-in pipelines that never fall below chance here, CAR+logPSD+topk+sLDA (0.770, 4.6
CPU s per fold) and Vote(TS+sLDA, ACM, logPSD) (0.762, 19 CPU s), stay opt-in for their
cost. Scores on subjects outside the repository (issue 27: ACM+MDM at chance, ACM+TS+SVM
(fast) and CAR+PSD+R2+sLDA the weakest defaults, band power among the best, as the issue
reports them) agree with this set; they are not stored in the repository, so every figure on
this page is from S001-S006.

"""


def which_pipeline_table(out: pd.DataFrame) -> str:
    """Per default pipeline: mean, std, worst subject, subjects at or below chance, cost."""
    subjects = subject_columns(out)
    rows = [
        "| default pipeline | mean | std | worst subject | subjects <= 0.5 | fit CPU s / fold "
        "| where it is weak |",
        "|---|---|---|---|---|---|---|",
    ]
    for name, row in out[out["set"] == "default"].iterrows():
        scores = row[subjects].astype(float)
        worst = scores.idxmin()
        rows.append(
            f"| {name} | {row['mean']:.3f} | {row['std']:.3f} | {scores[worst]:.2f} ({worst}) "
            f"| {int((scores <= 0.5).sum())} | {row['fit s/fold']:.2f} "
            f"| {WEAKNESS.get(name, '')} |"
        )
    return "\n".join(rows)


def targets(out: pd.DataFrame, chance_mean: float) -> list[str]:
    """The issue's 'Done when' checks, computed from the table."""
    ts_svm, fgmdm = out.loc[REFERENCES[1], "mean"], out.loc[REFERENCES[0], "mean"]
    default = out[out["set"] == "default"]
    lines = []
    below = default[default["mean"] <= 0.5].index.tolist()
    weak = default[default["mean"] <= chance_mean].index.tolist()
    lines.append(
        f"- every default pipeline's mean above chance (0.5): "
        f"{'yes' if not below else 'NO: ' + ', '.join(below)}; above the p < 0.05 threshold "
        f"of a 6-subject mean ({chance_mean:.3f}): "
        f"{'yes' if not weak else 'not ' + ', '.join(weak)}"
    )
    for family in ("PSD/NS", "ACM"):
        rows = default[default["family"] == family]
        if len(rows):
            best = rows["mean"].idxmax()
            gap = rows["mean"].max() - ts_svm
            verdict = "met" if gap >= -0.02 else "MISSED"
            lines.append(
                f"- {family} family within 0.02 AUC of TS+SVM or above: {verdict} "
                f"(best default {best}: {rows['mean'].max():.3f}, {gap:+.3f} vs TS+SVM "
                f"{ts_svm:.3f})"
            )
    for label, new in (
        ("best new pipeline", out[out["family"] == "new"]),
        ("best default new pipeline", default[default["family"] == "new"]),
    ):
        if len(new):
            best = new["mean"].idxmax()
            gap = new["mean"].max() - fgmdm
            verdict = "met" if gap > 0 else "MISSED"
            cols = subject_columns(out)
            spread = (out.loc[best, cols] - out.loc[REFERENCES[0], cols]).astype(float).std()
            lines.append(
                f"- {label} beats FgMDM on the mean: {verdict} ({best}: "
                f"{new['mean'].max():.3f}, {gap:+.3f} vs FgMDM {fgmdm:.3f}; standard deviation "
                f"of the per-subject differences {spread:.3f})"
            )
    return lines


#: Target trials used for calibration in the transfer protocol: all of a fold's training
#: trials (36, the within-session setting), and one fifth of them (a short calibration).
TRANSFER_CALIBRATIONS = (None, 9)


def transfer_pipelines() -> dict:
    """Transfer pipelines, fixed before scoring: MOABB's two best within-session pipelines
    (FgMDM, TS+SVM on OAS covariances) after per-subject Riemannian re-centering (RCT)."""
    from pyriemann.classification import FgMDM
    from pyriemann.tangentspace import TangentSpace
    from sklearn.pipeline import make_pipeline
    from sklearn.svm import SVC

    from neuropipe.evaluation.transfer import recentering_pipeline

    return {
        "RCT+FgMDM": recentering_pipeline(FgMDM(metric="riemann")),
        "RCT+TS+SVM": recentering_pipeline(
            make_pipeline(TangentSpace(metric="riemann"), SVC(kernel="linear"))
        ),
    }


def _transfer_part(kind, name, calibration, data, subject):
    import mne

    from neuropipe.evaluation.protocols import evaluate_within_session
    from neuropipe.evaluation.transfer import evaluate_transfer

    warnings.filterwarnings("ignore")
    mne.set_log_level("ERROR")
    fgmdm = {"FgMDM": references()[REFERENCES[0]]}
    if kind == "within":
        part = data[np.flatnonzero(data.metadata["subject"].to_numpy() == subject)]
        out = evaluate_within_session(fgmdm, part, "eegmmidb-leftright")
        return out.assign(calibration=36, source_trials=0)
    if kind == "calibration-only":
        return evaluate_transfer(
            fgmdm,
            data,
            "eegmmidb-leftright",
            targets=[subject],
            calibration=calibration,
            sources=False,
        )
    return evaluate_transfer(
        {name: transfer_pipelines()[name]},
        data,
        "eegmmidb-leftright",
        targets=[subject],
        calibration=calibration,
    )


def run_transfer(subjects, n_jobs, epoching, csv: Path) -> pd.DataFrame:
    """The transfer protocol (a separate table): per target subject, every other bundled
    subject's trials (re-centred per subject) + the target's calibration trials.

    Jobs run cheapest first and ``csv`` is rewritten after each, so a cut run keeps its rows.
    """
    from joblib import Parallel, delayed

    from neuropipe.datasets import load_dataset

    data = load_dataset("eegmmidb-leftright", subjects=subjects, epoching=epoching)
    jobs = [("within", "FgMDM", None, s) for s in subjects]
    jobs += [
        ("calibration-only", "FgMDM", c, s) for c in TRANSFER_CALIBRATIONS if c for s in subjects
    ]
    jobs += [
        ("transfer", name, c, s)
        for name in reversed(list(transfer_pipelines()))  # the cheaper TS+SVM first
        for c in TRANSFER_CALIBRATIONS
        for s in subjects
    ]
    columns = ["pipeline", "evaluation", "calibration", "source_trials", "subject", "score", "time"]
    parts = []
    for part in Parallel(n_jobs=n_jobs, return_as="generator")(
        delayed(_transfer_part)(kind, name, c, data, s) for kind, name, c, s in jobs
    ):
        parts.append(part)
        results = pd.concat(parts, ignore_index=True)[columns]
        results.to_csv(csv, index=False)
    return results


def transfer_table(results: pd.DataFrame) -> str:
    """Markdown table of the transfer protocol, one row per pipeline and calibration size."""
    protocol = {
        "WithinSession": "within-session",
        "Transfer": "transfer",
        "CalibrationOnly": "calibration only",
    }
    results = results.assign(
        row=[
            f"{p} ({protocol[e]}, {c} target trials)"
            for p, e, c in zip(
                results["pipeline"], results["evaluation"], results["calibration"], strict=True
            )
        ]
    )
    scores = results.pivot(index="row", columns="subject", values="score")
    scores.columns = [f"S{int(s):03d}" for s in scores.columns]
    per_subject = scores.copy()
    scores["mean"] = per_subject.mean(axis=1)
    scores["std"] = per_subject.std(axis=1)
    scores["fit s/fold"] = results.groupby("row")["time"].mean()
    scores["calib"] = results.groupby("row")["calibration"].first()
    scores = scores.sort_values(["calib", "mean"], ascending=[False, False]).drop(columns="calib")
    header = (
        "| pipeline (protocol, target trials fitted per fold) | "
        + " | ".join(scores.columns)
        + " |"
    )
    rule = "|---" * (len(scores.columns) + 1) + "|"
    rows = [
        f"| {name} | "
        + " | ".join(f"{v:.2f}" if c == "fit s/fold" else f"{v:.3f}" for c, v in row.items())
        + " |"
        for name, row in scores.iterrows()
    ]
    return "\n".join([header, rule, *rows])


def transfer_section(csv: Path) -> str:
    """The page's separate "transfer protocol" section, from the transfer run's CSV."""
    if not csv.exists():
        return "## Transfer protocol\n\nNot run yet (`--transfer`).\n"
    results = pd.read_csv(csv)
    return f"""## Transfer protocol (separate from the table above)

Command: `OMP_NUM_THREADS=1 .venv/bin/python benchmarks/bench_eeg_accuracy.py --transfer`
(raw rows in [{csv.name}]({csv.name})). **Protocol of every number in this section**: for each
target subject of S001-S006, the target's 45 trials are split into the same stratified
5 folds as the within-session table (`random_state=42`); each fold's pipeline is fitted on
all 225 trials of the other five bundled subjects plus the target's calibration trials (the
fold's 36 training trials, or a stratified subset of 9 of them) and scored (ROC-AUC) on the
fold's 9 test trials, which never enter a fit. Transfer pipelines (`RCT+...`) re-centre
each subject's OAS covariances to the identity with the Riemannian mean of that subject's
fitted trials (`pyriemann.transfer.TLCenter`; the target's reference is the mean of its
calibration trials only, test trials are whitened with it), then fit pyRiemann's FgMDM or
tangent space + linear SVM on all re-centred matrices (`TLClassifier`), as MOABB's
`FgMDM.yml` / `TSSVM.yml`. Rows `within-session` are the plain FgMDM of the table above,
run in the same process; `calibration only` fits FgMDM on the same 9 calibration trials
without the other subjects. Code: `neuropipe/evaluation/transfer.py`; the test trials
never reach a fit (`tests/evaluation/test_transfer.py`: a spy pipeline, and permuted labels
score at chance). The pipelines were fixed before scoring; nothing was tuned.

{transfer_table(results)}

{TRANSFER_NOTES}
"""


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--subjects", type=int, nargs="+", default=[1, 2, 3, 4, 5, 6])
    parser.add_argument("--include-slow", action="store_true", help="also opt-in pipelines")
    parser.add_argument("--n-jobs", type=int, default=1)
    parser.add_argument("--pipelines", default=str(ROOT / "pipelines"))
    parser.add_argument("--only", nargs="*", default=None, help="pipeline names to run")
    parser.add_argument("--exclude", nargs="*", default=None, help="pipeline names to skip")
    parser.add_argument("--csv", default=None, help="merge raw rows into this CSV")
    parser.add_argument("--render", action="store_true", help="only re-render from --csv")
    parser.add_argument("--epoching", default="moabb", choices=["moabb", "short"])
    parser.add_argument("--output", default=None, help="write the markdown table here")
    parser.add_argument(
        "--transfer",
        action="store_true",
        help="run the transfer protocol (other subjects' trials + target calibration) into "
        "--transfer-csv instead of the within-session table",
    )
    parser.add_argument("--transfer-csv", default=str(ROOT / "docs" / "eeg_transfer.csv"))
    args = parser.parse_args(argv)
    warnings.filterwarnings("ignore")
    if args.transfer:
        start = time.perf_counter()
        results = run_transfer(args.subjects, args.n_jobs, args.epoching, Path(args.transfer_csv))
        print(transfer_table(results))
        print(f"wall time {time.perf_counter() - start:.0f} s with --n-jobs {args.n_jobs}")
        return

    csv = Path(args.csv) if args.csv else None
    if args.render:
        results, wall = pd.read_csv(csv), float("nan")
    else:
        results, wall = run(
            args.subjects,
            args.include_slow,
            args.n_jobs,
            args.pipelines,
            args.only,
            args.exclude,
            args.epoching,
        )
        results = merge(csv, results)
    results = current_sets(results, args.pipelines)
    out = table(results)
    # a no-information mean over the subjects exceeds this with p < 0.05 (normal approx.)
    per_subject = results.groupby("subject")["chance_p95"].first() - 0.5
    chance_mean = 0.5 + float(np.sqrt((per_subject**2).sum())) / len(per_subject)
    pd.set_option("display.width", 200)
    shown = out.drop(columns=["family"]).round(3)
    print(shown.to_string())
    checks = targets(out, chance_mean)
    print("\n".join(checks))
    print(f"wall time {wall:.0f} s with --n-jobs {args.n_jobs}")
    if args.output:
        command = (
            "OMP_NUM_THREADS=1 .venv/bin/python benchmarks/bench_eeg_accuracy.py --include-slow"
            ' --exclude "ACM+TS+SVM (grid)"'
            + (f" --epoching {args.epoching}" if args.epoching != "moabb" else "")
            + (f" --csv {args.csv}" if args.csv else "")
            + f" --output {args.output}"
        )
        write_markdown(Path(args.output), out, checks, command, args, chance_mean, wall)


def write_markdown(path, out, checks, command, args, chance_mean, wall):
    window = (
        "0-3 s after the cue, band-passed 8-32 Hz (MOABB's default PhysionetMI + "
        "LeftRightImagery epochs)"
        if args.epoching == "moabb"
        else "0.5-2.5 s after the cue, band-passed 8-30 Hz (neuropipe's short epoching)"
    )
    subjects = ", ".join(f"S{s:03d}" for s in args.subjects)
    shown = out.copy()
    for column in shown.columns:
        if shown[column].dtype.kind == "f":
            digits = 2 if column == "fit s/fold" else 3
            shown[column] = shown[column].map(lambda v, d=digits: f"{v:.{d}f}")
    header = "| pipeline | " + " | ".join(shown.columns) + " |"
    rule = "|---" * (len(shown.columns) + 1) + "|"
    rows = [f"| {name} | " + " | ".join(map(str, row)) + " |" for name, row in shown.iterrows()]
    which = WHICH_PIPELINE.format(table=which_pipeline_table(out))
    text = f"""# EEG motor-imagery accuracy (EEGMMIDB left vs right hand)

{which}Command: `{command}` (run in parts with `--only`, merged in the CSV; raw rows per
pipeline and subject in [{Path(args.csv).name if args.csv else "-"}]({Path(args.csv).name if args.csv else ""})).

**Protocol of every number below**: within-session stratified 5-fold cross-validation
(MOABB's `WithinSessionEvaluation` folds, `random_state=42`), ROC-AUC, on the bundled
subjects {subjects} (45 trials each, 64 channels, 160 Hz), epochs {window}. Each
pipeline is fitted on the training folds only; every setting a pipeline searches
(selection size, band, log power, AutoFeat or top-k, order/lag, C...) is chosen by an inner
cross-validation on those training trials. `ref:` rows are pyRiemann pipelines built inline
in the same process (MOABB's `FgMDM.yml` and `TSSVM.yml`), not neuropipe pipeline files.
`vs FgMDM` / `vs TS+SVM`: difference of the mean to those references. `fit s/fold`: CPU
seconds of one training fit. `set`: `default` runs in `neuropipe benchmark`; `opt-in`
needs `--include-slow`. No number in this table comes from the transfer protocol (its own
section at the end of the page).
The FgMDM pipeline file is configured exactly as the FgMDM reference and is scored once.
Six subjects are too few to tune on: pipeline settings were chosen by principle and inner
CV (see the disclosure below for the few looks at these scores during development); the
p < 0.05 threshold of a 6-subject mean AUC under no
information is {chance_mean:.3f} (one subject: 0.643).

{header}
{rule}
{chr(10).join(rows)}

Targets of issue 13 on this table:

{chr(10).join(checks)}

{NOTES}
{transfer_section(Path(args.transfer_csv))}
See [moabb_parity.md](moabb_parity.md) for identical scores against MOABB's own evaluation
on these epochs, and [ssvep_accuracy.md](ssvep_accuracy.md) for the SSVEP pipelines.
"""
    path.write_text(text)
    print(f"wrote {path}")


if __name__ == "__main__":
    os.environ.setdefault("OMP_NUM_THREADS", "1")
    sys.exit(main())
