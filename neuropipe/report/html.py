"""The benchmark report: one self-contained HTML page, plus a PNG and an SVG of each figure."""

from __future__ import annotations

import base64
import datetime
import html
import io
import re
import struct
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from . import figures as F

__all__ = ["make_report"]

#: Resolution of the PNG files, and the tallest a figure is shown on the page (css px).
_DPI = 150
_MAX_HEIGHT = 820
#: Most seconds of fitting (5 folds x mean fit time) spent on the confusion matrix.
_CONFUSION_BUDGET_S = 30

#: Files written by ``neuropipe benchmark`` that the report knows by name.
KNOWN_FILES = ("results.csv", "summary.csv", "leakage.csv", "decoding.csv", "failures.csv")


@dataclass
class _Figure:
    name: str
    figure: object
    caption: str


@dataclass
class _Section:
    """A titled block; ``tables`` hold ``(title, html)``, or ``(title, html, "details")``
    for a table folded away under its title."""

    anchor: str
    title: str
    intro: str = ""
    figures: list = field(default_factory=list)
    tables: list = field(default_factory=list)
    notes: list = field(default_factory=list)


def _read(folder: Path, name: str):
    from ..evaluation.runner import read_results  # pipeline names "NA", "None" stay names

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


def _cell(value, digits=3) -> str:
    if isinstance(value, (float, np.floating)):
        return "" if np.isnan(value) else f"{value:.{digits}f}"
    return html.escape(str(value))


def _table_html(table: pd.DataFrame) -> str:
    """HTML table: text escaped, floats to 3 decimals, numeric columns right-aligned."""
    numeric = [pd.api.types.is_numeric_dtype(table[c]) for c in table.columns]
    head = "".join(
        f"<th class='{'num' if n else ''}'>{html.escape(str(c))}</th>"
        for c, n in zip(table.columns, numeric)
    )
    rows = "".join(
        "<tr>"
        + "".join(f"<td class='{'num' if n else ''}'>{_cell(v)}</td>" for v, n in zip(row, numeric))
        + "</tr>"
        for row in table.itertuples(index=False)
    )
    return f"<table class='data'><thead><tr>{head}</tr></thead><tbody>{rows}</tbody></table>"


def _score_grid(summary: pd.DataFrame) -> str:
    """Pipelines x datasets, 'mean ± sd', best per dataset bold, below p95 chance greyed."""
    datasets = sorted(summary["dataset"].unique())
    order = summary.groupby("pipeline")["score"].mean().sort_values(ascending=False).index
    head = "".join(f"<th>{html.escape(d)}</th>" for d in datasets)
    scoring = summary.groupby("dataset")["scoring"].first()
    sub = "".join(
        f"<th class='sub'>{html.escape(F._SCORING_LABELS.get(scoring[d], scoring[d]))}</th>"
        for d in datasets
    )
    rows = []
    for pipeline in order:
        cells = []
        for dataset in datasets:
            frame = summary[(summary["dataset"] == dataset)]
            row = frame[frame["pipeline"] == pipeline]
            if row.empty:
                cells.append("<td class='na'>–</td>")
                continue
            row = row.iloc[0]
            classes = []
            if row["score"] == frame["score"].max():
                classes.append("best")
            if "chance_p95" in row and row["score"] <= row["chance_p95"]:
                classes.append("chance")
            std = "" if pd.isna(row["std"]) else f" ± {row['std']:.2f}"
            cells.append(f"<td class='{' '.join(classes)}'>{row['score']:.3f}{std}</td>")
        rows.append(f"<tr><th>{html.escape(pipeline)}</th>{''.join(cells)}</tr>")
    return (
        f"<table class='data grid'><thead><tr><th>pipeline</th>{head}</tr>"
        f"<tr><th class='sub'></th>{sub}</tr></thead><tbody>{''.join(rows)}</tbody></table>"
    )


def _cards(summary, decoding, leakage) -> list[tuple[str, str, str]]:
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
            cards.append(
                (
                    dataset,
                    f"{best['score']:.2f}",
                    f"{best['pipeline']} · {F._SCORING_LABELS.get(best['scoring'], '')}"
                    f" · {verdict}",
                )
            )
    if decoding is not None:
        overall = decoding[decoding["state"] == "all"] if "state" in decoding else decoding
        for dataset, frame in overall.groupby("dataset", sort=True):
            best = frame.sort_values("score", ascending=False).iloc[0]
            cards.append((dataset, f"R² {best['score']:.2f}", f"{best['pipeline']} · decoding"))
    if leakage is not None and not leakage.empty:
        worst = leakage.sort_values("gap", ascending=False).iloc[0]
        cards.append(
            (
                "selection leak",
                f"+{worst['gap']:.2f}",
                f"{worst['pipeline']}: optimistic {worst['optimistic']:.2f} vs leak-free "
                f"{worst['leak_free']:.2f}",
            )
        )
    return cards


def _load_configs(pipelines_dir):
    from ..evaluation.pipelines import load_pipelines

    folder = Path(pipelines_dir)
    configs = load_pipelines(folder, include_slow=True) if folder.is_dir() else []
    decoding = folder / "decoding"
    if decoding.is_dir():
        configs += load_pipelines(decoding, include_slow=True)
    return {c["name"]: c for c in configs}


def _load_subject(dataset_name, subject, config):
    from ..datasets import get_dataset

    dataset = get_dataset(dataset_name)
    paradigms = [p for p in dataset.paradigms if p in config["paradigms"]]
    return dataset.load(subjects=[int(subject)], paradigm=paradigms[0] if paradigms else None)


def _confusion_section(results, configs) -> _Section:
    section = _Section(
        "confusion",
        "Confusion matrix",
        "Where the best pipeline errs. Rows are the true classes, columns the predicted "
        "ones: a strong diagonal is good; an off-diagonal cell shows which classes it "
        "confuses.",
    )
    per_dataset = results.groupby("dataset").agg(
        classes=("n_classes", "max") if "n_classes" in results else ("pipeline", "size"),
        subjects=("subject", "nunique"),
        score=("score", "max"),
    )
    dataset = per_dataset.sort_values(["classes", "subjects", "score"], ascending=False).index[0]
    frame = results[results["dataset"] == dataset]
    ranking = frame.groupby("pipeline").agg(score=("score", "mean"), time=("time", "mean"))
    ranking = ranking.sort_values("score", ascending=False)
    quick = ranking[ranking["time"] * 5 <= _CONFUSION_BUDGET_S]
    if quick.empty:
        section.notes.append(
            f"Every pipeline on {html.escape(dataset)} takes more than "
            f"{_CONFUSION_BUDGET_S} s to cross-validate: no confusion matrix drawn."
        )
        return section
    pipeline = quick.index[0]
    if pipeline not in configs:
        section.notes.append(
            f"Pipeline {html.escape(pipeline)!r} is not in the pipelines folder: pass "
            f"--pipelines to draw its confusion matrix."
        )
        return section
    slower = (
        ""
        if pipeline == ranking.index[0]
        else (
            f" ({html.escape(ranking.index[0])} scores higher but takes more than "
            f"{_CONFUSION_BUDGET_S} s to cross-validate)"
        )
    )
    subjects = frame[frame["pipeline"] == pipeline].groupby("subject")["score"].mean()
    subject = (subjects - subjects.mean()).abs().idxmin()
    data = _load_subject(dataset, subject, configs[pipeline])
    fig = F.plot_confusion(
        configs[pipeline]["pipeline"],
        data.X,
        data.y,
        title=f"{pipeline} on {dataset}, subject {subject}",
    )
    section.figures.append(
        _Figure(
            "confusion",
            fig,
            f"<b>{html.escape(pipeline)}</b>, the best pipeline{slower} on "
            f"<b>{html.escape(dataset)}</b> (the dataset with the most classes, then "
            f"subjects), on subject {subject}, "
            f"whose score ({subjects[subject]:.2f}) is closest to the pipeline's mean: "
            f"predictions of 5-fold within-session cross-validation (cross_val_predict, the "
            f"benchmark's folds).",
        )
    )
    return section


def _r2_section(results, configs) -> _Section | None:
    from ..evaluation.leakage import has_selection_step

    selecting = [
        name
        for name in results["pipeline"].unique()
        if name in configs and has_selection_step(configs[name]["pipeline"])
    ]
    if not selecting:
        return None
    frame = results[results["pipeline"].isin(selecting)]
    dataset = sorted(frame["dataset"].unique())[0]
    frame = frame[frame["dataset"] == dataset]
    subject = frame["subject"].min()
    names = frame.groupby("pipeline")["score"].mean().sort_values(ascending=False).index
    data = _load_subject(dataset, subject, configs[names[0]])
    maps = F.plot_r2_maps(
        {name: configs[name]["pipeline"] for name in names},
        data.X,
        data.y,
        data.ch_names,
        title=f"{dataset} S{subject} · ",
    )
    classes = [html.escape(str(c)) for c in np.unique(data.y)]
    colours = (
        f"Red: more power (or connectivity) for {classes[1]} than for {classes[0]}, blue: less. "
        if len(classes) == 2
        else ""
    )
    section = _Section(
        "r2maps",
        "R² maps of the spectral pipelines",
        f"How well each channel and frequency separates the classes on {dataset}, "
        f"subject {subject}, all trials (HappyFeat's view). {colours}Circles mark the "
        f"features the selector keeps. A compact, strong spot (say over C3/C4 in the mu or "
        f"beta band) is worth selecting; scattered weak spots mean the selector picks noise.",
    )
    for i, (key, fig) in enumerate(maps.items()):
        section.figures.append(
            _Figure(f"r2map_{i + 1}", fig, f"Feature stage <b>{html.escape(key)}</b>.")
        )
    return section


def _trajectory_figure(decoding, configs, palette) -> _Figure | None:
    from sklearn.pipeline import Pipeline

    from ..decoders import DiscriminativeKalmanFilter, KalmanFilterRegressor

    def final_step(estimator):
        return estimator[-1] if isinstance(estimator, Pipeline) else estimator

    kalman = (KalmanFilterRegressor, DiscriminativeKalmanFilter)
    names = [
        name
        for name in decoding["pipeline"].unique()
        if name in configs and isinstance(final_step(configs[name]["pipeline"]), kalman)
    ]
    if not names:
        return None
    datasets = sorted(decoding["dataset"].unique())
    dataset = "flint2012" if "flint2012" in datasets else datasets[0]
    fig = F.plot_decoded_trajectories(
        {name: configs[name]["pipeline"] for name in sorted(names)}, dataset, palette=palette
    )
    return _Figure(
        "decoded_trajectories",
        fig,
        f"True (black) and decoded hand velocity over the first 30 s of the {dataset} test "
        f"segment, decoders fitted on the training bins of the dataset's protocol. The "
        f"better decoder tracks the peaks; a Kalman filter that lags or undershoots "
        f"them loses R².",
    )


def _score_sections(results, summary, palette) -> list[_Section]:
    evaluations = ", ".join(sorted(map(str, results["evaluation"].unique())))
    scores = _Section(
        "scores",
        "EEG: score per pipeline and dataset",
        f"Cross-validated scores ({html.escape(evaluations)}), one point per subject and "
        "session; the box spans the middle half of the subjects, the black diamond is the "
        "mean. Read each pipeline against the red dotted line: only scores to its right "
        "beat a no-information classifier (p &lt; 0.05 for the number of trials); the "
        "dashed line is the theoretical chance level.",
        figures=[
            _Figure(
                "scores",
                F.plot_scores(results, palette=palette),
                "Pipelines sorted by mean score, best on top.",
            )
        ],
        tables=[
            (
                "Mean ± sd over subjects (bold: best per dataset; grey: not above the p95 "
                "chance level)",
                _score_grid(summary),
            ),
            ("summary.csv", _table_html(summary), "details"),
        ],
    )
    pairwise = _Section(
        "pairwise",
        "Pairwise comparison of pipelines",
        "MOABB's meta-analysis: for each pair, a paired test over subjects on every dataset "
        "where both ran (exact permutation t-test below 20 subjects), combined over datasets "
        "by Stouffer's method. Each cell is the row pipeline's mean score minus the "
        "column's: look along a row for red cells with stars, the pipelines it beats "
        "significantly. With a handful of subjects, few differences can reach significance.",
    )
    stats = F.pairwise_statistics(results)
    if stats.empty:
        pairwise.notes.append("No pair of pipelines ran on 2 or more common subjects.")
    else:
        pairwise.figures.append(
            _Figure(
                "pairwise",
                F.plot_pairwise(stats),
                "Stars: one-sided p-value of row &gt; column. Grey: the two pipelines never "
                "ran on a common dataset.",
            )
        )
        ordered = stats.sort_values("p")
        shown = ordered.assign(p=ordered["p"].map("{:.2g}".format))
        significant = shown[ordered["p"] < 0.05]
        if significant.empty:
            pairwise.notes.append("No pair differs at p &lt; 0.05.")
        else:
            pairwise.tables.append(("Pairs with p &lt; 0.05", _table_html(significant)))
        pairwise.tables.append(("All pairs", _table_html(shown), "details"))
    timing = _Section(
        "timing",
        "Fit time",
        "Mean time to fit a pipeline on one training fold, per subject, on a log scale: "
        "each grid decade is 10 times slower. Weigh a pipeline's score against its place "
        "here.",
        figures=[
            _Figure(
                "fit_time",
                F.plot_fit_time(results),
                "Slowest pipelines on top; colours are datasets.",
            )
        ],
    )
    return [scores, pairwise, timing]


def _leakage_section(leakage) -> _Section:
    return _Section(
        "leakage",
        "Feature selection: optimistic vs leak-free",
        "The same pipelines scored on the same folds twice: selecting features on all "
        "trials before cross-validating (optimistic, as HappyFeat does), and inside each "
        "training fold (leak-free). The gap is the score that leaked from the test trials; "
        "only the blue bars are honest estimates.",
        figures=[_Figure("leakage", F.plot_leakage(leakage), "Mean over subjects, ROC AUC.")],
        tables=[("leakage.csv", _table_html(leakage))],
    )


def _decoding_section(decoding, configs, palette) -> _Section:
    section = _Section(
        "decoding",
        "Continuous decoding",
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
    if configs:
        trajectory = _trajectory_figure(decoding, configs, palette)
        if trajectory is not None:
            section.figures.append(trajectory)
    overall = decoding[decoding["state"] == "all"] if "state" in decoding else decoding
    columns = ["dataset", "pipeline", "score", "nrmse", "maae", "time", "samples"]
    section.tables.append(
        (
            "decoding.csv (states averaged; score = R²)",
            _table_html(overall[[c for c in columns if c in overall]]),
        )
    )
    return section


def _other_section(stem, table) -> _Section:
    slug = re.sub(r"\W+", "_", stem)
    keys = [k for k in ["dataset", "evaluation", "pipeline"] if k in table]
    means = table.groupby(keys).agg(
        score=("score", "mean"), std=("score", "std"), rows=("score", "size")
    )
    if "chance" in table:
        means["chance"] = table.groupby(keys)["chance"].mean()
    return _Section(
        slug,
        f"{stem}.csv: score per pipeline",
        f"One point per row of {html.escape(stem)}.csv (a subject, session or fold); dashed "
        f"line: chance level where the file gives one.",
        figures=[_Figure(f"{slug}_scores", F.plot_scores(table), "")],
        tables=[(f"{html.escape(stem)}.csv, mean over rows", _table_html(means.reset_index()))],
    )


def _sections(folder, pipelines_dir, fit_models):
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
    if summary is None and results is not None:
        from ..evaluation.benchmark import summarize

        summary = summarize(results)
    configs = _load_configs(pipelines_dir) if fit_models else {}
    palette = F.pipeline_palette(
        pd.concat([t["pipeline"] for t in (results, decoding) if t is not None] or [pd.Series()])
    )
    sections = []
    if failures is not None and not failures.empty:
        sections.append(
            _Section(
                "failures",
                "Failed tasks",
                f"{len(failures)} task(s) of the benchmark failed and are missing from every "
                f"figure below; fix them and rerun with --resume.",
                tables=[("failures.csv", _table_html(failures))],
            )
        )
    if results is not None:
        scores, pairwise, timing = _score_sections(results, summary, palette)
        sections += [scores, pairwise]
        if configs:
            sections.append(_confusion_section(results, configs))
        sections.append(timing)
    if leakage is not None and not leakage.empty:
        sections.append(_leakage_section(leakage))
    if results is not None and configs:
        r2maps = _r2_section(results, configs)
        if r2maps is not None:
            sections.append(r2maps)
    if decoding is not None and not decoding.empty:
        sections.append(_decoding_section(decoding, configs, palette))
    sections += [_other_section(stem, table) for stem, table in others.items()]
    return sections, (summary, decoding, leakage)


def _save(fig: _Figure, stem: Path) -> tuple[str, int]:
    """Write ``stem.png`` and ``stem.svg``; return the PNG as base64 and its display width.

    The PNG has 150 dpi; it is shown at 96 css px per inch, and tall figures (the R² maps
    of 64 channels) are scaled down to at most 820 px high.
    """
    buffer = io.BytesIO()
    fig.figure.savefig(buffer, format="png", dpi=_DPI, bbox_inches="tight")
    png = buffer.getvalue()
    stem.with_suffix(".png").write_bytes(png)
    fig.figure.savefig(stem.with_suffix(".svg"), format="svg", bbox_inches="tight")
    width, height = struct.unpack(">II", png[16:24])
    scale = min(96 / _DPI, _MAX_HEIGHT / height)
    return base64.b64encode(png).decode("ascii"), int(width * scale)


_CSS = """
:root { --ink:#1f2933; --muted:#616e7c; --line:#e4e7eb; --accent:#1f6feb; --bg:#f7f8fa; }
* { box-sizing: border-box; }
body { margin:0; font:15px/1.55 system-ui,-apple-system,"Segoe UI",Roboto,"DejaVu Sans",sans-serif;
  color:var(--ink); background:var(--bg); }
header { background:#14213d; color:#fff; padding:22px 32px 16px; }
header h1 { margin:0 0 4px; font-size:24px; font-weight:650; }
header .meta { color:#c9d3e3; font-size:13px; }
header code { background:rgba(255,255,255,.12); color:#fff; padding:1px 6px; border-radius:4px; }
nav { position:sticky; top:0; z-index:2; background:#fff; border-bottom:1px solid var(--line);
  padding:8px 32px; font-size:13.5px; }
nav a { color:var(--accent); text-decoration:none; margin-right:16px; display:inline-block; }
main { max-width:1120px; margin:0 auto; padding:18px 24px 40px; }
.cards { display:flex; flex-wrap:wrap; gap:12px; margin:8px 0 6px; }
.card { flex:1 1 200px; background:#fff; border:1px solid var(--line); border-radius:8px;
  padding:10px 14px; }
.card .label { color:var(--muted); font-size:12.5px; text-transform:uppercase; letter-spacing:.03em; }
.card .value { font-size:24px; font-weight:650; }
.card .detail { color:var(--muted); font-size:12.5px; }
section { background:#fff; border:1px solid var(--line); border-radius:10px; padding:6px 22px 16px;
  margin:18px 0; }
section h2 { font-size:19px; margin:14px 0 4px; }
p.intro { color:#3e4c59; margin:4px 0 10px; max-width:900px; }
figure { margin:12px 0; }
figure img { max-width:100%; height:auto; display:block; }
figcaption { color:var(--muted); font-size:13px; margin-top:4px; }
p.note { background:#fff8e6; border-left:3px solid #f0b429; padding:6px 10px; font-size:13.5px; }
h3 { font-size:14px; margin:14px 0 6px; color:#3e4c59; }
table.data { border-collapse:collapse; font-size:13px; font-variant-numeric:tabular-nums; }
table.data th, table.data td { padding:4px 10px; border-bottom:1px solid var(--line); text-align:left; }
table.data .num, table.grid td, table.grid th + th { text-align:right; }
table.data thead th { background:#f0f2f5; }
table.grid th.sub { font-weight:400; color:var(--muted); font-size:12px; }
table.grid td.best { font-weight:700; }
table.grid td.chance { color:#9aa5b1; }
table.grid td.na { color:#cbd2d9; text-align:center; }
details summary { cursor:pointer; color:var(--accent); font-size:13.5px; margin:8px 0; }
.scroll { overflow-x:auto; }
footer { color:var(--muted); font-size:12.5px; text-align:center; padding:10px 0 30px; }
"""


def _page(sections, cards, header, files_note, images) -> str:
    nav = "".join(f"<a href='#{s.anchor}'>{html.escape(s.title)}</a>" for s in sections)
    card_html = "".join(
        f"<div class='card'><div class='label'>{html.escape(label)}</div>"
        f"<div class='value'>{html.escape(value)}</div>"
        f"<div class='detail'>{html.escape(detail)}</div></div>"
        for label, value, detail in cards
    )
    body = []
    for s in sections:
        parts = [f"<section id='{s.anchor}'><h2>{html.escape(s.title)}</h2>"]
        if s.intro:
            parts.append(f"<p class='intro'>{s.intro}</p>")
        for fig in s.figures:
            data, width = images[id(fig)]
            parts.append(
                f"<figure><img alt='{html.escape(fig.name)}' width='{width}' "
                f"src='data:image/png;base64,{data}'>"
                f"<figcaption>{fig.caption}</figcaption></figure>"
            )
        for note in s.notes:
            parts.append(f"<p class='note'>{note}</p>")
        for title, table, *mode in s.tables:
            if mode:
                parts.append(
                    f"<details><summary>{title}</summary><div class='scroll'>{table}"
                    f"</div></details>"
                )
            else:
                parts.append(f"<h3>{title}</h3><div class='scroll'>{table}</div>")
        parts.append("</section>")
        body.append("".join(parts))
    return (
        "<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>"
        "<meta name='viewport' content='width=device-width, initial-scale=1'>"
        f"<title>neuropipe benchmark report</title><style>{_CSS}</style></head><body>"
        f"<header><h1>neuropipe benchmark report</h1><div class='meta'>{header}</div></header>"
        f"<nav>{nav}</nav><main><div class='cards'>{card_html}</div>{''.join(body)}</main>"
        f"<footer>{files_note}</footer></body></html>"
    )


def make_report(
    results_dir,
    output="report.html",
    figures_dir=None,
    *,
    pipelines_dir="pipelines",
    fit_models=True,
    command=None,
) -> Path:
    """Write the HTML report of a ``neuropipe benchmark`` results folder.

    The page is self-contained (figures embedded as PNG, tables as HTML, no external
    files or scripts) and reads top-down: headline cards, EEG scores per pipeline and
    dataset with chance levels, MOABB-style pairwise statistics, a confusion matrix,
    fit times, optimistic vs leak-free selection, R² maps of the spectral pipelines,
    continuous decoding scores and decoded trajectories, then any other score table
    (e.g. ``fmri.csv``). Each figure is also written as PNG and SVG.

    Parameters
    ----------
    results_dir : str | Path
        Folder written by ``neuropipe benchmark --output`` (``results.csv``,
        ``summary.csv``, ``leakage.csv``, ``decoding.csv``; any other CSV with
        ``dataset``, ``pipeline`` and ``score`` columns gets a score figure).
    output : str | Path
        The HTML file to write.
    figures_dir : str | Path | None
        Folder for the PNG and SVG files; default ``<output stem>_figures/`` next to
        ``output``.
    pipelines_dir : str | Path
        Folder of the pipeline files, to refit the pipelines of the model figures
        (confusion matrix, R² maps, decoded trajectories) on one subject.
    fit_models : bool
        Draw the figures that fit models (a few seconds on the bundled data); False
        draws only the figures read from the CSV files.
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

    from .. import __version__

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
    sections, (summary, decoding, leakage) = _sections(folder, pipelines_dir, fit_models)
    figures_dir.mkdir(parents=True, exist_ok=True)
    output.parent.mkdir(parents=True, exist_ok=True)
    figures = [fig for section in sections for fig in section.figures]
    images = {
        id(fig): _save(fig, figures_dir / f"{number:02d}_{fig.name}")
        for number, fig in enumerate(figures, 1)
    }
    command = command or f"make_report({str(folder)!r}, output={str(output)!r})"
    now = datetime.datetime.now().astimezone().strftime("%Y-%m-%d %H:%M %Z")
    header = (
        f"{now} · neuropipe {html.escape(__version__)} · results "
        f"<code>{html.escape(str(folder))}</code> · <code>{html.escape(command)}</code>"
    )
    files = sorted(p.name for p in folder.glob("*.csv"))
    files_note = (
        f"Read {html.escape(', '.join(files))}. Each figure is also in "
        f"{html.escape(str(figures_dir))}/ as PNG and SVG."
    )
    page = _page(sections, _cards(summary, decoding, leakage), header, files_note, images)
    output.write_text(page, encoding="utf-8")
    for fig in figures:
        plt.close(fig.figure)
    return output
