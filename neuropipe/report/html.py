"""The benchmark report: one self-contained HTML page, plus a PNG and an SVG of each figure.

The report renders from a results folder alone: the tables that ``neuropipe benchmark``
writes (``results.csv``, ``summary.csv``, ``leakage.csv``, ``decoding.csv``, ``fmri.csv``;
or one ``results.csv`` whose rows of the three families are told apart by a ``family`` or
``paradigm`` column, else by dataset and evaluation) and the per-fold arrays stored with
each task (``tasks/*.npz``, :mod:`neuropipe.evaluation.artifacts`) for the figures of the
fitted models. It loads no dataset and fits no model. The page is a Jinja2 template
(``templates/report.html.j2``, style in ``templates/report.css``).
"""

from __future__ import annotations

import base64
import datetime
import io
import re
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
from markupsafe import Markup

from .. import __version__
from .._logging import logger
from .._validation import error_naming_path
from ..benchmark.results import read_results
from ..benchmark.summary import summarize
from ..datasets import dataset_modality
from ..evaluation.paradigms import (
    DECODING,
    EEG,
    FMRI,
    get_paradigm,
    get_protocol,
    paradigm_names,
)
from ..evaluation.pseudo_online import summarize_pseudo_online
from ..evaluation.statistics import pairwise_statistics
from . import figures as F
from . import models as M
from .checks import fmri_summary, sensitivity_specificity, usable_rows

__all__ = ["make_report"]

#: Resolution of the PNG files, and the tallest a figure is shown on the page (css px).
_DPI = 150
_MAX_HEIGHT = 820
#: Decoders overlaid on the decoded-trajectory figure (best R² first).
_MAX_TRAJECTORIES = 3

#: Files written by ``neuropipe benchmark`` that the report knows by name.
KNOWN_FILES = ("results.csv", "summary.csv", "leakage.csv", "decoding.csv", "failures.csv")


@dataclass
class _Figure:
    name: str
    figure: object
    caption: str
    data: str = ""
    width: int = 0


@dataclass
class _Table:
    """A table as the template draws it: header cells, optional sub-header, body cells."""

    title: str
    columns: list
    rows: list
    css: str = "data"
    subheader: list | None = None
    folded: bool = False


@dataclass
class _Section:
    anchor: str
    title: str
    intro: str = ""
    figures: list = field(default_factory=list)
    tables: list = field(default_factory=list)
    notes: list = field(default_factory=list)


# --------------------------------------------------------------------------------------
# Reading the results folder
# --------------------------------------------------------------------------------------


def _read(folder: Path, name: str):
    path = folder / name
    return read_results(path) if path.is_file() else None


def _other_score_tables(folder: Path) -> dict:
    """Any other CSV with dataset, pipeline and score columns (e.g. fmri.csv)."""
    tables = {}
    for path in sorted(folder.glob("*.csv")):
        if path.name in KNOWN_FILES:
            continue
        table = pd.read_csv(path)
        if {"dataset", "pipeline", "score"} <= set(table.columns) and not table.empty:
            tables[path.stem] = table
    return tables


def _protocol_paradigm(name) -> str | None:
    """The paradigm of a registered protocol name, else None."""
    try:
        return get_protocol(str(name)).paradigm
    except ValueError:
        return None


def _dataset_paradigm(name) -> str | None:
    """The modality of a dataset name in the dataset registry, else None."""
    try:
        return dataset_modality(str(name))
    except ValueError:
        return None


def _family(results: pd.DataFrame) -> pd.Series:
    """The paradigm (``"eeg"``, ``"fmri"``, ``"decoding"``...) of every row of a table.

    The ``family`` column when there is one (a paradigm name); else the ``paradigm``
    column (a paradigm name, or a MOABB paradigm: EEG); else the paradigm of the
    ``evaluation`` when it is a registered protocol (``leave-site-out``,
    ``stratified-5fold``...), or the modality of the ``dataset`` in the dataset registry;
    else EEG.
    """
    names = paradigm_names()
    for column in ("family", "paradigm"):
        if column in results.columns:
            values = results[column].astype(str)
            return values.where(values.isin(names), EEG.name).astype(object)
    kind = pd.Series(None, index=results.index, dtype=object)
    for column, lookup in (("evaluation", _protocol_paradigm), ("dataset", _dataset_paradigm)):
        if column in results.columns:
            values = results[column].astype(str)
            found = values.map({v: lookup(v) for v in values.unique()})
            kind = kind.where(kind.notna(), found)
    return kind.where(kind.notna(), EEG.name).astype(object)


def _split_families(results) -> dict:
    """The rows of each family (None where a family has none)."""
    if results is None:
        return dict.fromkeys(paradigm_names())
    kind = _family(results)
    parts = dict.fromkeys(paradigm_names())
    for name in paradigm_names():
        if (kind == name).any():
            part = results[kind == name].reset_index(drop=True)
            subject = part["subject"] if "subject" in part else None
            # merged tables hold rows without a subject (fMRI folds): the subjects of the
            # paradigms that have them read as floats
            known = subject is not None and get_paradigm(name).has_subjects
            if known and subject.dtype.kind == "f" and subject.notna().all():
                if np.all(subject == np.round(subject)):
                    part["subject"] = subject.astype(int)
            parts[name] = part
    return parts


def _subject_text(values) -> pd.Series:
    """Subjects as text for matching tables and artifacts: ``1``, ``1.0`` and ``"1"`` alike."""

    def text(value):
        if isinstance(value, (float, np.floating)):
            return "" if np.isnan(value) else f"{value:g}"
        return "" if value is None else str(value)

    return pd.Series([text(v) for v in values], index=getattr(values, "index", None))


# --------------------------------------------------------------------------------------
# Tables and cards
# --------------------------------------------------------------------------------------


def _cell_text(value, digits=3) -> str:
    if isinstance(value, (float, np.floating)):
        return "" if np.isnan(value) else f"{value:.{digits}f}"
    return str(value)


def _table(frame: pd.DataFrame, title: str, *, folded: bool = False) -> _Table:
    """Floats to 3 decimals, numeric columns right-aligned; the template escapes the text."""
    numeric = [pd.api.types.is_numeric_dtype(frame[c]) for c in frame.columns]
    columns = [{"text": str(c), "css": "num" if n else ""} for c, n in zip(frame.columns, numeric)]
    rows = [
        [
            {"tag": "td", "text": _cell_text(v), "css": "num" if n else ""}
            for v, n in zip(row, numeric)
        ]
        for row in frame.itertuples(index=False)
    ]
    return _Table(title, columns, rows, folded=folded)


def _score_grid(summary: pd.DataFrame) -> _Table:
    """Pipelines x datasets, 'mean ± sd', best per dataset bold, below p95 chance greyed."""
    datasets = sorted(summary["dataset"].unique())
    order = summary.groupby("pipeline")["score"].mean().sort_values(ascending=False).index
    scoring = summary.groupby("dataset")["scoring"].first()
    rows = []
    for pipeline in order:
        cells = [{"tag": "th", "text": pipeline, "css": ""}]
        for dataset in datasets:
            frame = summary[summary["dataset"] == dataset]
            row = frame[frame["pipeline"] == pipeline]
            if row.empty:
                cells.append({"tag": "td", "text": "–", "css": "na"})
                continue
            row = row.iloc[0]
            classes = []
            if row["score"] == frame["score"].max():
                classes.append("best")
            if "chance_p95" in row and row["score"] <= row["chance_p95"]:
                classes.append("chance")
            std = "" if pd.isna(row["std"]) else f" ± {row['std']:.2f}"
            cells.append(
                {"tag": "td", "text": f"{row['score']:.3f}{std}", "css": " ".join(classes)}
            )
        rows.append(cells)
    return _Table(
        "Mean ± sd over subjects (bold: best per dataset; grey: not above the p95 chance level)",
        [{"text": "pipeline", "css": ""}, *({"text": d, "css": ""} for d in datasets)],
        rows,
        css="data grid",
        subheader=["", *(F._SCORING_LABELS.get(scoring[d], scoring[d]) for d in datasets)],
    )


def _card(label, value, detail) -> dict:
    return {"label": label, "value": value, "detail": detail}


def _cards(summary, decoding, leakage, fmri=None) -> list[dict]:
    cards = []
    if summary is not None:
        for dataset, frame in summary.groupby("dataset", sort=True):
            best = frame.sort_values("score", ascending=False).iloc[0]
            p95 = best.get("chance_p95", np.nan)
            # worded from the statistic shown: the mean score against the mean of the
            # subjects' p < 0.05 chance thresholds (no test of the difference is implied)
            verdict = (
                "no chance threshold"
                if pd.isna(p95)
                else f"mean {'>' if best['score'] > p95 else '≤'} p95 chance level {p95:.2f}"
            )
            label = F._SCORING_LABELS.get(best["scoring"], "")
            cards.append(
                _card(dataset, f"{best['score']:.2f}", f"{best['pipeline']} · {label} · {verdict}")
            )
    if decoding is not None:
        for dataset, frame in _overall(decoding).groupby("dataset", sort=True):
            best = frame.sort_values("score", ascending=False).iloc[0]
            cards.append(
                _card(dataset, f"R² {best['score']:.2f}", f"{best['pipeline']} · decoding")
            )
    for protocol, frame in () if fmri is None else fmri.groupby("evaluation", sort=True):
        best = frame.iloc[0]  # fmri_summary sorts by pooled accuracy
        verdict = (
            "no chance threshold"
            if pd.isna(best["chance_p95"])
            else f"{'>' if best['above_chance'] else '≤'} p95 chance level "
            f"{best['chance_p95']:.2f} (chance {best['chance']:.3f})"
        )
        sensitivity = (
            ""
            if pd.isna(best.get("sensitivity", np.nan))
            else f" · sensitivity {best['sensitivity']:.2f}, specificity {best['specificity']:.2f}"
        )
        cards.append(
            _card(
                f"fMRI, {protocol}",
                f"{best['pooled']:.2f}",
                f"{best['pipeline']} · pooled accuracy · {verdict}{sensitivity}",
            )
        )
    if leakage is not None and not leakage.empty:
        worst = leakage.sort_values("gap", ascending=False).iloc[0]
        cards.append(
            _card(
                "selection leak",
                f"+{worst['gap']:.2f}",
                f"{worst['pipeline']}: optimistic {worst['optimistic']:.2f} vs leak-free "
                f"{worst['leak_free']:.2f}",
            )
        )
    return cards


def _overall(decoding: pd.DataFrame) -> pd.DataFrame:
    """Decoding rows with the states averaged (``state == "all"`` where states are split)."""
    return decoding[decoding["state"] == "all"] if "state" in decoding.columns else decoding


# --------------------------------------------------------------------------------------
# Sections read from the tables
# --------------------------------------------------------------------------------------


def _score_sections(results, summary, palette) -> list[_Section]:
    evaluations = ", ".join(sorted(map(str, results["evaluation"].unique())))
    scores = _Section(
        "scores",
        "EEG: score per pipeline and dataset",
        f"Cross-validated scores ({evaluations}), one point per subject and session; the "
        "box spans the middle half of the subjects, the black diamond is the mean. Read "
        "each pipeline against the red dotted line: only scores to its right beat a "
        "no-information classifier (p < 0.05 for the number of trials); the dashed line "
        "is the theoretical chance level.",
        figures=[
            _Figure(
                "scores",
                F.plot_scores(results, palette=palette),
                "Pipelines sorted by mean score, best on top.",
            )
        ],
        tables=[
            _score_grid(summary),
            _table(summary.rename(columns={"fit_time": "fit_cpu_s"}), "summary.csv", folded=True),
        ],
    )
    scores.notes += _below_chance_notes(summary)
    pairwise = _Section(
        "pairwise",
        "Pairwise comparison of pipelines",
        "MOABB's meta-analysis: for each pair, a paired test over subjects on every dataset "
        "where both ran (exact sign-flip permutation test below 20 subjects), combined over "
        "datasets by Stouffer's method. Each cell is the row pipeline's mean score minus the "
        "column's: look along a row for red cells with stars, the pipelines it beats "
        "significantly. With a handful of subjects, few differences can reach significance.",
    )
    stats = pairwise_statistics(results)
    if stats.empty:
        pairwise.notes.append("No pair of pipelines ran on 2 or more common subjects.")
    else:
        pairwise.figures.append(
            _Figure(
                "pairwise",
                F.plot_pairwise(stats),
                "Stars: one-sided p-value of row > column. Grey: the two pipelines never "
                "ran on a common dataset.",
            )
        )
        ordered = stats.sort_values("p")
        shown = ordered.assign(p=ordered["p"].map("{:.2g}".format))
        significant = shown[ordered["p"] < 0.05]
        if significant.empty:
            pairwise.notes.append("No pair differs at p < 0.05.")
        else:
            pairwise.tables.append(_table(significant, "Pairs with p < 0.05"))
        pairwise.tables.append(_table(shown, "All pairs", folded=True))
    timing = _Section(
        "timing",
        "Fit CPU time",
        "Mean CPU time to fit a pipeline on one training fold, per subject, on a log scale "
        "(CPU seconds of the process, time.process_time: machine load does not inflate "
        "them; wall-clock time can be longer): each grid decade is 10 times slower. Weigh a "
        "pipeline's score against its place here.",
        figures=[
            _Figure(
                "fit_time",
                F.plot_fit_time(results),
                "Slowest pipelines on top; colours are datasets.",
            )
        ],
    )
    return [scores, pairwise, timing]


def _below_chance_notes(summary) -> list[str]:
    """EEG means not above their p95 chance level, said in words (the grid greys them)."""
    if "chance_p95" not in summary:
        return []
    notes = []
    for dataset, frame in summary.groupby("dataset", sort=True):
        below = frame[~(frame["score"] > frame["chance_p95"])]
        if below.empty:
            continue
        names = ", ".join(below["pipeline"].astype(str).head(5))
        more = ", ..." if len(below) > 5 else ""
        notes.append(
            f"{dataset}: {len(below)} of {len(frame)} pipeline(s) have a mean score not above "
            f"the p95 chance level ({frame['chance_p95'].mean():.2f}), so they are not shown "
            f"to beat chance: {names}{more}."
        )
    return notes


def _leakage_section(leakage) -> _Section:
    return _Section(
        "leakage",
        "Feature selection: optimistic vs leak-free",
        "The same pipelines scored on the same folds twice: selecting features on all "
        "trials before cross-validating (optimistic, as HappyFeat does), and inside each "
        "training fold (leak-free). The gap is the score that leaked from the test trials; "
        "only the blue bars are honest estimates.",
        figures=[_Figure("leakage", F.plot_leakage(leakage), "Mean over subjects, ROC AUC.")],
        tables=[_table(leakage, "leakage.csv")],
    )


def _decoding_section(decoding, palette) -> _Section:
    section = _Section(
        DECODING.name,
        DECODING.title,
        "Hand velocity decoded from motor-cortex spikes, trained on the first part of the "
        "session and tested on a later part (time-ordered split). R² is averaged over the "
        "velocity components; nRMSE is the RMSE over the velocity's spread.",
        figures=[
            _Figure(
                "decoding_scores",
                F.plot_decoding_scores(decoding, palette=palette),
                "Test-set scores per decoder and dataset.",
            )
        ],
    )
    overall = _overall(decoding)
    columns = ["dataset", "pipeline", "score", "nrmse", "maae", "time", "samples"]
    section.tables.append(
        _table(
            overall[[c for c in columns if c in overall]].rename(columns={"time": "fit_cpu_s"}),
            "decoding results (states averaged; score = R²; fit_cpu_s: CPU seconds of the fit)",
        )
    )
    return section


def _fmri_sensitivity(summary, index) -> pd.DataFrame:
    """Add pooled ``sensitivity`` and ``specificity`` from the stored predictions (NaN
    where a pipeline and protocol stored none); ``positive`` names the positive class."""
    summary = summary.assign(sensitivity=np.nan, specificity=np.nan, positive="")
    stored = index[index["family"] == FMRI.name] if len(index) else index
    for i, row in summary.iterrows():
        match = stored[
            (stored["pipeline"] == row["pipeline"]) & (stored["protocol"] == row["evaluation"])
        ]
        if match.empty:
            continue
        y_true, y_pred, labels, names = M.confusion_predictions(
            M.load_artifacts(match.iloc[0]["path"])
        )
        if len(labels) != 2:
            continue
        sens, spec = sensitivity_specificity(y_true, y_pred, labels)
        summary.loc[i, ["sensitivity", "specificity", "positive"]] = [sens, spec, names[-1]]
    return summary


def _fmri_notes(summary) -> list[str]:
    """Per protocol, in words: how many pipelines beat chance, and what the best finds."""
    notes = []
    for protocol, frame in summary.groupby("evaluation", sort=True):
        best, above = frame.iloc[0], frame[frame["above_chance"]]
        threshold = (
            f"the p < 0.05 chance threshold (pooled accuracy above {best['chance_p95']:.3f}, "
            f"chance {best['chance']:.3f})"
        )
        if above.empty:
            text = (
                f"{protocol}: none of the {len(frame)} pipeline(s) is above {threshold}; "
                f"the best, {best['pipeline']}, reaches {best['pooled']:.3f}."
            )
        elif len(above) == len(frame):
            text = f"{protocol}: all {len(frame)} pipeline(s) are above {threshold}."
        else:
            below = ", ".join(frame[~frame["above_chance"]]["pipeline"].astype(str).head(5))
            text = (
                f"{protocol}: {len(above)} of {len(frame)} pipeline(s) are above {threshold}; "
                f"not above: {below}{', ...' if len(frame) - len(above) > 5 else ''}."
            )
        if pd.notna(best["sensitivity"]):
            text += (
                f" {best['pipeline']} finds {best['sensitivity']:.0%} of the {best['positive']} "
                f"subjects (sensitivity) and {best['specificity']:.0%} of the others "
                f"(specificity)."
            )
        notes.append(text)
    return notes


def _fmri_section(table, index, source, models) -> tuple[_Section, pd.DataFrame]:
    """fMRI diagnosis: pooled accuracy against one chance figure, said in words."""
    summary = fmri_summary(table)
    if models:
        summary = _fmri_sensitivity(summary, index)
    else:
        summary = summary.assign(sensitivity=np.nan, specificity=np.nan, positive="")
    figures = []
    protocols = table["evaluation"] if "evaluation" in table else pd.Series("", table.index)
    for protocol, frame in table.groupby(protocols, sort=True):
        first = summary[summary["evaluation"] == protocol].iloc[0]
        shown = frame.assign(chance=first["chance"], chance_p95=first["chance_p95"])
        slug = re.sub(r"\W+", "_", str(protocol)).strip("_")
        figures.append(
            _Figure(
                f"fmri_scores_{slug}" if protocols.nunique() > 1 else "fmri_scores",
                F.plot_scores(shown, title=str(protocol) or None),
                f"One point per test fold ({protocol}); dashed: chance "
                f"({first['chance']:.3f}), dotted: p < 0.05 threshold of the pooled accuracy "
                f"({first['chance_p95']:.3f}).",
            )
        )
    shown = summary.assign(above_chance=summary["above_chance"].map({True: "yes", False: "no"}))
    if shown["sensitivity"].isna().all():
        shown = shown.drop(columns=["sensitivity", "specificity", "positive"])
    section = _Section(
        FMRI.name,
        f"{source}: fMRI diagnosis",
        "Accuracy of the diagnosis over all test subjects of a protocol (pooled: each "
        "fold weighs by its subjects). Chance is the pooled accuracy of always predicting "
        "each training fold's majority class, the figure the benchmark prints; a pipeline "
        "beats chance at p < 0.05 only above chance_p95 (binomial, over the test subjects). "
        "Sensitivity and specificity come from the stored predictions, pooled over the "
        "folds. fit_cpu_s: CPU seconds of all the fits.",
        figures=figures,
        tables=[_table(shown, f"{source}, per pipeline and protocol")],
        notes=_fmri_notes(summary),
    )
    return section, summary


def _other_section(stem, table, source=None) -> _Section:
    slug = re.sub(r"\W+", "_", stem)
    source = source or f"{stem}.csv"
    keys = [k for k in ["dataset", "evaluation", "pipeline"] if k in table]
    means = table.groupby(keys).agg(
        score=("score", "mean"), std=("score", "std"), rows=("score", "size")
    )
    if "chance" in table:
        means["chance"] = table.groupby(keys)["chance"].mean()
    return _Section(
        slug,
        f"{source}: score per pipeline",
        f"One point per row of {source} (a subject, session or fold); dashed line: chance "
        f"level where the file gives one.",
        figures=[_Figure(f"{slug}_scores", F.plot_scores(table), "")],
        tables=[_table(means.reset_index(), f"{source}, mean over rows")],
    )


# --------------------------------------------------------------------------------------
# Sections read from the task artifacts (tasks/*.npz)
# --------------------------------------------------------------------------------------

_NO_ARTIFACTS = (
    "No task artifacts (tasks/*.npz) for {what} in this results folder: rerun 'neuropipe "
    "benchmark --output {folder}' with this version of neuropipe to draw {figure}."
)


def _with_artifacts(results: pd.DataFrame, index: pd.DataFrame) -> pd.DataFrame:
    """The rows of ``results`` whose task stored artifacts, with their ``path``."""
    keys = ["dataset", "pipeline", "subject"]
    if results is None or index.empty:
        return pd.DataFrame(columns=[*results.columns, "path"] if results is not None else [])
    left = results.assign(subject=_subject_text(results["subject"]))
    right = index.assign(subject=_subject_text(index["subject"]))
    right = right.drop_duplicates(keys)[[*keys, "path"]]
    return left.merge(right, on=keys, how="inner")


def _typical_subject(frame: pd.DataFrame):
    """The subject whose mean score is closest to the mean over subjects."""
    subjects = frame.groupby("subject")["score"].mean()
    return (subjects - subjects.mean()).abs().idxmin(), subjects


def _confusion_section(results, index, folder) -> _Section:
    section = _Section(
        "confusion",
        "Confusion matrix",
        "Where the best pipeline errs. Rows are the true classes, columns the predicted "
        "ones: a strong diagonal is good; an off-diagonal cell shows which classes it "
        "confuses.",
    )
    stored = _with_artifacts(results, index[index["family"] == EEG.name])
    if stored.empty:
        section.notes.append(
            _NO_ARTIFACTS.format(
                what="the EEG results", folder=folder, figure="the confusion matrix"
            )
        )
        return section
    per_dataset = stored.groupby("dataset").agg(
        classes=("n_classes", "max") if "n_classes" in stored else ("pipeline", "size"),
        subjects=("subject", "nunique"),
        score=("score", "max"),
    )
    dataset = per_dataset.sort_values(["classes", "subjects", "score"], ascending=False).index[0]
    frame = stored[stored["dataset"] == dataset]
    ranking = frame.groupby("pipeline")["score"].mean().sort_values(ascending=False)
    pipeline = ranking.index[0]
    subject, subjects = _typical_subject(frame[frame["pipeline"] == pipeline])
    path = frame.loc[(frame["pipeline"] == pipeline) & (frame["subject"] == subject), "path"]
    y_true, y_pred, labels, names = M.confusion_predictions(M.load_artifacts(path.iloc[0]))
    overall = results[results["dataset"] == dataset].groupby("pipeline")["score"].mean()
    best = overall.idxmax()
    other = (
        ""
        if best == pipeline
        else Markup(" ({} scores higher but stored no predictions)").format(best)
    )
    section.figures.append(
        _Figure(
            "confusion",
            F.plot_confusion(
                y_true,
                y_pred,
                labels=labels,
                display_labels=names,
                title=f"{pipeline} on {dataset}, subject {subject}",
            ),
            Markup(
                "<b>{}</b>, the best pipeline{} on <b>{}</b> (the dataset with the most "
                "classes, then subjects), on subject {}, whose score ({:.2f}) is closest to "
                "the pipeline's mean: the predictions of the benchmark's own test folds "
                "({} trials), stored when it ran."
            ).format(pipeline, other, dataset, subject, subjects[subject], len(y_true)),
        )
    )
    return section


def _subject_order(value):
    text = str(value)
    return (0, int(text), "") if text.isdigit() else (1, 0, text)


def _r2_section(results, index, leakage, folder) -> _Section | None:
    stored = _with_artifacts(results, index[index["family"] == EEG.name])
    found = []
    for row in stored.drop_duplicates(["dataset", "pipeline", "subject"]).itertuples():
        folds = M.load_artifacts(row.path)
        maps = M.score_maps(folds)
        if maps:
            classes = folds[0].get("classes")
            found.append((row.dataset, row.pipeline, row.subject, maps, classes))
    if not found:
        if leakage is None or leakage.empty:
            return None  # no pipeline selects features: nothing to draw, nothing missing
        section = _Section("r2maps", "R² maps of the spectral pipelines")
        section.notes.append(
            _NO_ARTIFACTS.format(what="a feature selector", folder=folder, figure="its R² maps")
        )
        return section
    dataset = sorted({f[0] for f in found})[0]
    subject = min((f[2] for f in found if f[0] == dataset), key=_subject_order)
    chosen = [f for f in found if f[0] == dataset and f[2] == subject]
    means = results[results["dataset"] == dataset].groupby("pipeline")["score"].mean()
    chosen.sort(key=lambda f: -means.get(f[1], -np.inf))
    stages: dict = {}
    for _, pipeline, _, maps, _ in chosen:
        for m in maps:
            key = (m["stage"], m["kind"], tuple(m["channels"]), m["scores"].round(12).tobytes())
            stages.setdefault(key, {**m, "pipelines": []})["pipelines"].append(pipeline)
    classes = chosen[0][4]
    colours = (
        f"Red: more power (or connectivity) for {classes[1]} than for {classes[0]}, blue: less. "
        if classes is not None and len(classes) == 2
        else ""
    )
    section = _Section(
        "r2maps",
        "R² maps of the spectral pipelines",
        f"How well each channel and frequency separates the classes on {dataset}, subject "
        f"{subject} (HappyFeat's view): the scores each cross-validation fold's selector "
        f"computed on its own training trials, averaged over the folds, signed by the "
        f"class difference on the test folds. {colours}Circles mark the features kept in "
        f"at least half of the folds. A compact, strong spot (say over C3/C4 in the mu or "
        f"beta band) is worth selecting; scattered weak spots mean the selector picks noise.",
    )
    maps = {}
    for number, m in enumerate(stages.values(), 1):
        score = "R²" if m["kind"] == "R2Selector" else f"{m['kind']} score"
        m["caption"] = (
            f"{m['stage']}: {'signed ' if m['signed'] else ''}{score} "
            f"(features {', '.join(m['pipelines'])} select)"
        )
        maps[f"r2map_{number}"] = m
    figures = F.plot_r2_maps(maps, title=f"{dataset} S{subject} · ")
    for name, fig in figures.items():
        m = maps[name]
        folds = f"{m['folds']} folds" + (
            "" if m["folds"] == m["of"] else f" of {m['of']} (the others chose another band)"
        )
        section.figures.append(
            _Figure(
                name,
                fig,
                Markup("Feature stage <b>{}</b> of {}: mean over {}.").format(
                    m["stage"], ", ".join(m["pipelines"]), folds
                ),
            )
        )
    return section


def _trajectory_figure(decoding, index, palette) -> _Figure | None:
    stored = index[index["family"] == DECODING.name]
    if stored.empty:
        return None
    overall = _overall(decoding)
    overall = overall.merge(
        stored.drop_duplicates(["dataset", "pipeline"])[["dataset", "pipeline", "path"]],
        on=["dataset", "pipeline"],
    )
    if overall.empty:
        return None
    datasets = sorted(overall["dataset"].unique())
    dataset = "flint2012" if "flint2012" in datasets else datasets[0]
    frame = overall[overall["dataset"] == dataset]
    frame = frame.groupby(["pipeline", "path"], as_index=False)["score"].mean()
    window, decoded = None, {}
    for row in frame.sort_values("score", ascending=False).itertuples():
        found = M.trajectory(M.load_artifacts(row.path))
        if found is None or (
            window is not None and found["y_true"].shape != window["y_true"].shape
        ):
            continue
        if window is not None and not np.allclose(found["y_true"], window["y_true"]):
            continue  # another test segment: not comparable on one figure
        window = window or found
        decoded[(row.pipeline, f"{row.pipeline} (R² {row.score:.2f})")] = found["y_pred"]
        if len(decoded) == _MAX_TRAJECTORIES:
            break
    if window is None:
        return None
    n_bins, n_test = len(window["y_true"]), window["n_test"]
    seconds = f" ({n_bins * window['bin_size']:g} s)" if window["bin_size"] else ""
    fig = F.plot_decoded_trajectories(
        window["y_true"],
        {label: values for (_, label), values in decoded.items()},
        bin_size=window["bin_size"],
        state_names=window["state_names"],
        title=f"{dataset}: first {n_bins} of {n_test} test bins",
        palette={label: palette[name] for name, label in decoded},
    )
    return _Figure(
        "decoded_trajectories",
        fig,
        f"True (black) and decoded states over the first {n_bins} bins{seconds} of the "
        f"{dataset} test segment, as the benchmark's decoders predicted them (the "
        f"{len(decoded)} with the highest test R²; R² of the whole segment in the legend). "
        f"The better decoder tracks the peaks; one that lags or undershoots them loses R².",
    )


def _pseudo_online_section(eeg, index, folder) -> _Section:
    """Scores of the pseudo-online rows and the decisions of one held-out run."""
    rows = eeg[eeg["evaluation"] == "pseudo-online"]
    section = _Section(
        "pseudo-online",
        "Pseudo-online decoding",
        "Each subject's runs left out in turn: the pipeline is fitted on the other runs' "
        "task and idle epochs (causally band-passed) and decides on a window sliding over "
        "the held-out run, scored against the label in force at each window's end. nMCC "
        "0.5 is chance; false activations are task decisions started during rest; onset "
        "latency is the median time from a cue to the first correct decision of its trial "
        "(over the trials detected, whose share is onset_detected).",
        tables=[_table(summarize_pseudo_online(rows), "Means over subjects (runs averaged first)")],
    )
    stored = _with_artifacts(rows, index[index["protocol"] == "pseudo-online"])
    if stored.empty:
        section.notes.append(
            _NO_ARTIFACTS.format(
                what="the pseudo-online runs", folder=folder, figure="the decision timeline"
            )
        )
        return section
    dataset = sorted(stored["dataset"].unique())[0]
    frame = stored[stored["dataset"] == dataset]
    pipeline = frame.groupby("pipeline")["score"].mean().idxmax()
    subject, _ = _typical_subject(frame[frame["pipeline"] == pipeline])
    chosen = frame[(frame["pipeline"] == pipeline) & (frame["subject"] == subject)]
    fold = M.load_artifacts(chosen["path"].iloc[0])[0]
    session = chosen.sort_values("session")["session"].iloc[0]
    score = chosen.loc[chosen["session"] == session, "score"].iloc[0]
    section.figures.append(
        _Figure(
            "pseudo_online_timeline",
            F.plot_pseudo_online_timeline(
                fold["window_time"],
                fold["y_true"],
                fold["y_pred"],
                classes=fold.get("classes"),
                idle=int(fold["idle"]),
                title=f"{pipeline} on {dataset}, subject {subject}, run {session}",
            ),
            Markup(
                "The held-out run {} of subject {} (the subject closest to the pipeline's "
                "mean) decided by <b>{}</b>, the best pipeline on <b>{}</b> (nMCC {:.2f} on "
                "this run): grey, the label in force; dots, the decision every {:g} s."
            ).format(session, subject, pipeline, dataset, score, float(fold["step"])),
        )
    )
    return section


def _fmri_confusion(table, index) -> _Figure | None:
    """Confusion matrix of the best fMRI pipeline, pooled over the test folds of one protocol
    (leave-site-out when stored, else the first protocol with artifacts)."""
    stored = index[index["family"] == FMRI.name]
    if stored.empty:
        return None
    means = table.groupby("pipeline")["score"].mean().sort_values(ascending=False)
    for pipeline in means.index:
        rows = stored[stored["pipeline"] == pipeline].sort_values("protocol")
        if rows.empty:
            continue
        preferred = rows[rows["protocol"] == "leave-site-out"]
        row = (preferred if not preferred.empty else rows).iloc[0]
        y_true, y_pred, labels, names = M.confusion_predictions(M.load_artifacts(row["path"]))
        protocol = f", {row['protocol']}" if row["protocol"] else ""
        return _Figure(
            "fmri_confusion",
            F.plot_confusion(
                y_true,
                y_pred,
                labels=labels,
                display_labels=names,
                title=f"{pipeline} on {row['dataset']}{protocol}",
            ),
            Markup(
                "<b>{}</b>, the fMRI pipeline with the highest mean score that stored its "
                "predictions: every test fold of {} pooled ({} subjects)."
            ).format(pipeline, row["protocol"] or "its protocol", len(y_true)),
        )
    return None


# --------------------------------------------------------------------------------------
# The page
# --------------------------------------------------------------------------------------


def _sections(folder, models):
    results = _read(folder, "results.csv")
    summary = _read(folder, "summary.csv")
    leakage = _read(folder, "leakage.csv")
    decoding = _read(folder, "decoding.csv")
    failures = _read(folder, "failures.csv")
    others = _other_score_tables(folder)
    if all(t is None for t in (results, leakage, decoding)) and not others:
        raise FileNotFoundError(
            f"{folder} holds none of {list(KNOWN_FILES)} nor any CSV with dataset, pipeline "
            f"and score columns; run 'neuropipe benchmark --output {folder}' first."
        )
    problems = []  # rows the report cannot use: left out, and said so
    if results is not None:
        results, found = usable_rows(results, "results.csv")
        problems += found
        if found and summary is not None:
            summary = None  # recomputed from the usable rows, so table and figures agree
            problems.append("summary.csv: recomputed from the usable rows of results.csv.")
    if decoding is not None:
        decoding, found = usable_rows(decoding, "decoding.csv")
        problems += found
    for stem in list(others):
        others[stem], found = usable_rows(others[stem], f"{stem}.csv")
        problems += found
        if others[stem].empty:
            del others[stem]
    for problem in problems:
        logger.warning("report: %s", problem)
    family = _split_families(results)
    eeg = family[EEG.name]
    if decoding is None:
        decoding = family[DECODING.name]
    sources = {}
    if family[FMRI.name] is not None and FMRI.name not in others:
        others = {FMRI.name: family[FMRI.name], **others}
        sources[FMRI.name] = "results.csv (fMRI rows)"
    if eeg is not None:
        eeg_datasets = set(eeg["dataset"])
        summary = summarize(eeg) if summary is None else summary
        summary = summary[summary["dataset"].isin(eeg_datasets)]
    else:
        summary = None
    index = M.find_task_artifacts(folder) if models else pd.DataFrame(columns=M.INDEX_COLUMNS)
    palette = F.pipeline_palette(
        pd.concat([t["pipeline"] for t in (eeg, decoding) if t is not None] or [pd.Series()])
    )
    sections = []
    if problems:
        sections.append(
            _Section(
                "problems",
                "Rows left out",
                "Rows of the results folder the report could not use; every table, figure "
                "and headline below is computed without them. Rerun the benchmark (with "
                "--resume, only the damaged tasks) to restore them.",
                notes=problems,
            )
        )
    if failures is not None and not failures.empty:
        sections.append(
            _Section(
                "failures",
                "Failed tasks",
                f"{len(failures)} task(s) of the benchmark failed and are missing from every "
                f"figure below; fix them and rerun with --resume.",
                tables=[_table(failures, "failures.csv")],
            )
        )
    if eeg is not None:
        scores, pairwise, timing = _score_sections(eeg, summary, palette)
        sections += [scores, pairwise]
        if models:
            sections.append(_confusion_section(eeg, index, folder))
        sections.append(timing)
        if (eeg["evaluation"] == "pseudo-online").any():
            sections.append(_pseudo_online_section(eeg, index, folder))
    if leakage is not None and not leakage.empty:
        sections.append(_leakage_section(leakage))
    if eeg is not None and models:
        r2maps = _r2_section(eeg, index, leakage, folder)
        if r2maps is not None:
            sections.append(r2maps)
    if decoding is not None and not decoding.empty:
        section = _decoding_section(decoding, palette)
        if models:
            trajectory = _trajectory_figure(decoding, index, palette)
            if trajectory is None:
                section.notes.append(
                    _NO_ARTIFACTS.format(
                        what="the decoders", folder=folder, figure="decoded trajectories"
                    )
                )
            else:
                section.figures.insert(1, trajectory)
        sections.append(section)
    fmri = None
    for stem, table in others.items():
        if stem == FMRI.name:
            section, fmri = _fmri_section(table, index, sources.get(stem, "fmri.csv"), models)
            confusion = _fmri_confusion(table, index) if models else None
            if confusion is not None:
                section.figures.append(confusion)
        else:
            section = _other_section(stem, table, sources.get(stem))
        sections.append(section)
    unreadable = index.attrs.get("unreadable", [])
    if unreadable and sections:
        sections[0].notes.append(
            f"{len(unreadable)} task artifact file(s) could not be read and were left out: "
            + "; ".join(unreadable[:3])
        )
    return sections, (summary, decoding, leakage, fmri), index


@contextmanager
def _naming(path: Path):
    """A write error names ``path`` (a full disk's says only "No space left on device")."""
    try:
        yield
    except OSError as exc:
        raise error_naming_path(exc, path) from exc


def _save(fig: _Figure, stem: Path) -> None:
    """Write ``stem.png`` and ``stem.svg``; keep the PNG as base64 and its display width.

    The PNG has 150 dpi; it is shown at 96 css px per inch, and tall figures (the R² maps
    of 64 channels) are scaled down to at most 820 px high.
    """
    from PIL import Image

    buffer = io.BytesIO()
    fig.figure.savefig(buffer, format="png", dpi=_DPI, bbox_inches="tight")
    png = buffer.getvalue()
    with _naming(stem.with_suffix(".png")):
        stem.with_suffix(".png").write_bytes(png)
    with _naming(stem.with_suffix(".svg")):
        fig.figure.savefig(stem.with_suffix(".svg"), format="svg", bbox_inches="tight")
    with Image.open(io.BytesIO(png)) as image:
        width, height = image.size
    fig.data = base64.b64encode(png).decode("ascii")
    fig.width = int(width * min(96 / _DPI, _MAX_HEIGHT / height))


def _environment():
    from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape

    return Environment(
        loader=PackageLoader("neuropipe.report", "templates"),
        autoescape=select_autoescape(["html", "j2"], default_for_string=True),
        undefined=StrictUndefined,
        keep_trailing_newline=False,
    )


def make_report(
    results_dir,
    output="report.html",
    figures_dir=None,
    *,
    models=True,
    command=None,
) -> Path:
    """Write the HTML report of a ``neuropipe benchmark`` results folder.

    The page is self-contained (figures embedded as PNG, tables as HTML, no external
    files or scripts) and reads top-down: headline cards, EEG scores per pipeline and
    dataset with chance levels, MOABB-style pairwise statistics, a confusion matrix,
    fit times, optimistic vs leak-free selection, R² maps of the feature selectors,
    continuous decoding scores and decoded trajectories, then fMRI and any other score
    table. Each figure is also written as PNG and SVG. Everything comes from the
    results folder: no dataset is loaded and no pipeline is fitted.

    Parameters
    ----------
    results_dir : str | Path
        Folder written by ``neuropipe benchmark --output`` (``results.csv``,
        ``summary.csv``, ``leakage.csv``, ``decoding.csv``, ``fmri.csv``, ``tasks/``;
        any other CSV with ``dataset``, ``pipeline`` and ``score`` columns gets a score
        figure).
    output : str | Path
        The HTML file to write.
    figures_dir : str | Path | None
        Folder for the PNG and SVG files; default ``<output stem>_figures/`` next to
        ``output``.
    models : bool
        Draw the figures of the fitted models (confusion matrix, R² maps, decoded
        trajectories) from the arrays each task stored in ``tasks/*.npz``; a figure
        whose arrays are missing is replaced by a note. False draws only the tables'
        figures.
    command : str | None
        Command shown in the header; default the Python call.

    Returns
    -------
    output : Path
        The HTML file.

    Examples
    --------
    >>> from neuropipe.report import make_report
    >>> make_report("results", "report.html")  # doctest: +SKIP
    PosixPath('report.html')
    """
    import matplotlib.pyplot as plt

    folder = Path(results_dir)
    if not folder.is_dir():
        raise FileNotFoundError(
            f"Results folder not found: {str(folder)!r}; run 'neuropipe benchmark --output "
            f"{folder}' first."
        )
    output = Path(output)
    figures_dir = (
        output.parent / f"{output.stem}_figures" if figures_dir is None else Path(figures_dir)
    )
    sections, headlines, index = _sections(folder, models)
    figures_dir.mkdir(parents=True, exist_ok=True)
    output.parent.mkdir(parents=True, exist_ok=True)
    figures = [fig for section in sections for fig in section.figures]
    for number, fig in enumerate(figures, 1):
        _save(fig, figures_dir / f"{number:02d}_{fig.name}")
    command = command or f"make_report({str(folder)!r}, output={str(output)!r})"
    now = datetime.datetime.now().astimezone().strftime("%Y-%m-%d %H:%M %Z")
    files = sorted(p.name for p in folder.glob("*.csv"))
    stored = f" and {len(index)} task artifact file(s) in tasks/" if len(index) else ""
    page = (
        _environment()
        .get_template("report.html.j2")
        .render(
            title="neuropipe benchmark report",
            meta=[
                now,
                f"neuropipe {__version__}",
                Markup("results <code>{}</code>").format(str(folder)),
                Markup("<code>{}</code>").format(command),
            ],
            sections=sections,
            cards=_cards(*headlines),
            footer=f"Read {', '.join(files)}{stored}. Each figure is also in "
            f"{figures_dir}/ as PNG and SVG.",
        )
    )
    with _naming(output):
        output.write_text(page, encoding="utf-8")
    for fig in figures:
        plt.close(fig.figure)
    return output
