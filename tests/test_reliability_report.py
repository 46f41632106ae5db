"""The report on a damaged results folder, and its words (issues 28 item 5, 27 item 9).

A NaN or infinite score, a score outside its scoring's range or a duplicated row was drawn
without comment (table and figures disagreed) or ended in pandas' message; the fMRI
section had no headline, its chance differed from the screen's, and results below the
p < 0.05 line were not said in words.
"""

import html
import re
import shutil
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from neuropipe import cli
from neuropipe.evaluation.fmri import summarize_fmri
from neuropipe.report import make_report
from neuropipe.report.checks import fmri_summary, usable_rows

sys.path.insert(0, str(Path(__file__).parent / "report"))
from conftest import build_results_folder  # noqa: E402  (the report tests' results folder)


def _text(page: str) -> str:
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", page)).split())


@pytest.fixture(scope="module")
def folder(tmp_path_factory):
    return build_results_folder(tmp_path_factory.mktemp("bench") / "results")


def _damaged(folder, tmp_path, edit):
    copy = tmp_path / "results"
    shutil.copytree(folder, copy)
    table = pd.read_csv(copy / "results.csv")
    edit(table).to_csv(copy / "results.csv", index=False)
    return copy


@pytest.mark.parametrize(
    "damage, said",
    [
        ("nan", "1 row(s) with a NaN or infinite score left out"),
        ("inf", "1 row(s) with a NaN or infinite score left out"),
        ("range", "1 row(s) with a score outside its scoring's range left out (synthetic-mi / "),
        ("clash", "2 row(s) sharing their key with rows of another score left out"),
        ("repeat", "1 row(s) repeated exactly, kept once"),
    ],
)
def test_damaged_rows_are_left_out_and_said(folder, damage, said):
    table = pd.read_csv(folder / "results.csv")
    first = table.iloc[0]
    if damage in ("nan", "inf", "range"):
        table.loc[0, "score"] = {"nan": np.nan, "inf": np.inf, "range": 1.7}[damage]
    elif damage == "clash":
        table = pd.concat([table, table.iloc[[0]].assign(score=0.1)])
    else:
        table = pd.concat([table, table.iloc[[0]]])
    rows, problems = usable_rows(table, "results.csv")
    assert len(problems) == 1 and problems[0].startswith(f"results.csv: {said}")
    kept = rows[(rows["pipeline"] == first["pipeline"]) & (rows["subject"] == first["subject"])]
    assert len(kept) == (1 if damage == "repeat" else 0)
    assert len(rows) == len(pd.read_csv(folder / "results.csv")) - (damage != "repeat")


def test_report_on_a_damaged_folder_says_what_it_left_out(folder, tmp_path, caplog):
    copy = tmp_path / "results"
    shutil.copytree(folder, copy)
    table = pd.read_csv(copy / "results.csv")
    table.loc[0, "score"] = np.inf  # ended in pandas' message before
    pd.concat([table, table.iloc[[1]]]).to_csv(copy / "results.csv", index=False)
    fmri = pd.read_csv(copy / "fmri.csv")
    fmri.loc[0, "score"] = np.nan
    fmri.to_csv(copy / "fmri.csv", index=False)
    argv = ["report", str(copy), "-o", str(tmp_path / "r.html"), "--no-models"]
    assert cli.main(argv) == 0
    text = _text((tmp_path / "r.html").read_text())
    said = [
        "results.csv: 1 row(s) with a NaN or infinite score left out",
        "results.csv: 1 row(s) repeated exactly, kept once",
        "fmri.csv: 1 row(s) with a NaN or infinite score left out",
    ]
    for sentence in said:
        assert sentence in text and sentence in caplog.text  # in the page and on screen
    assert text.index("Rows left out") < text.index("EEG: score per pipeline")
    # the grid uses the usable rows: PSD+R2's mean is over its two remaining subjects
    rows, _ = usable_rows(pd.read_csv(copy / "results.csv"), "results.csv")
    mean = rows[rows["pipeline"] == table.loc[0, "pipeline"]]["score"].mean()
    assert f"{mean:.3f} ±" in text


def test_clean_results_have_no_rows_left_out(folder):
    for name in ("results.csv", "decoding.csv", "fmri.csv"):
        rows, problems = usable_rows(pd.read_csv(folder / name), name)
        assert problems == [] and len(rows) == len(pd.read_csv(folder / name))


def _fmri_rows(scores, chances, samples):
    return pd.DataFrame(
        {"dataset": "abide", "pipeline": "p", "evaluation": "leave-site-out",
         "session": [f"site{i}" for i in range(len(scores))], "score": scores,
         "chance": chances, "samples": samples, "time": 1.0, "scoring": "accuracy"}
    )  # fmt: skip


def test_one_chance_figure_pooled_as_the_screen_table():
    # two folds of unequal size: the mean of the fold chances (0.60) is not the pooled
    # chance (0.55), which is what the screen prints; the report now gives the pooled one
    rows = _fmri_rows([0.7, 0.5], [0.8, 0.5], [10, 90])
    summary = fmri_summary(rows).iloc[0]
    screen = summarize_fmri(rows).iloc[0]
    assert summary["chance"] == pytest.approx(screen["chance"]) == pytest.approx(0.53)
    assert summary["pooled"] == pytest.approx(screen["pooled"]) == pytest.approx(0.52)
    assert rows["chance"].mean() == pytest.approx(0.65)  # the other figure, no longer shown


@pytest.mark.slow
def test_fmri_section_has_a_headline_words_and_sensitivity(folder, tmp_path):
    copy = tmp_path / "results"
    shutil.copytree(folder, copy)
    rows = pd.concat(
        [
            _fmri_rows([0.62, 0.60, 0.64], [0.52] * 3, [100] * 3),
            _fmri_rows([0.52, 0.50, 0.54], [0.52] * 3, [100] * 3).assign(pipeline="weak"),
        ]
    ).assign(pipeline=lambda t: t["pipeline"].replace({"p": "motifs"}))
    rows.to_csv(copy / "fmri.csv", index=False)
    eeg = pd.read_csv(copy / "results.csv")
    eeg.assign(chance_p95=np.where(eeg["pipeline"] == "PSD+LDA", 0.999, 0.62)).to_csv(
        copy / "results.csv", index=False
    )
    text = _text(make_report(copy, tmp_path / "r.html").read_text())
    summary = fmri_summary(rows)
    p95 = summary["chance_p95"].iloc[0]
    # headline card: best pooled accuracy against the one chance figure
    assert f"fMRI, leave-site-out 0.62 motifs · pooled accuracy · > p95 chance level {p95:.2f}" in (
        text
    )
    # below-threshold in words
    assert f"1 of 2 pipeline(s) are above the p < 0.05 chance threshold (pooled accuracy above {p95:.3f}" in text  # fmt: skip
    assert "not above: weak" in text
    # sensitivity / specificity from the stored leave-site-out predictions of 'motifs'
    assert re.search(r"motifs finds \d+% of the autism subjects \(sensitivity\) and \d+%", text)
    assert "fit_cpu_s" in text and "Fit CPU time" in text
    # EEG means not above their p95 chance level, in words (the grid only greys them)
    assert "synthetic-mi: 1 of 2 pipeline(s) have a mean score not above the p95 chance" in text
    assert "not shown to beat chance: PSD+LDA." in text


def test_empty_table_has_no_usable_row_and_no_error(folder):
    empty = pd.read_csv(folder / "results.csv").iloc[:0]  # found by tests/test_fuzz.py (F25)
    rows, problems = usable_rows(empty, "results.csv")
    assert rows.empty and problems == []


def test_full_disk_while_writing_the_report_names_the_file(folder, tmp_path, monkeypatch):
    import errno
    import os

    def full(self, data):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(Path, "write_bytes", full)
    with pytest.raises(OSError, match="No space left on device") as info:
        make_report(folder, tmp_path / "r.html", models=False)
    assert info.value.filename.endswith(".png") and str(tmp_path) in info.value.filename
