"""Every python block of docs/*.md runs, as the README's do (tests/test_readme.py).

Conventions for writers of docs/*.md (new pages are picked up by themselves):

- The ```python blocks of one page run in order as one script, in a new process (later
  blocks use the names of earlier ones), with a fresh HOME and MNE_DATA and one BLAS thread
  (``run_blocks`` of tests/test_readme.py).
- They run from a temporary folder holding links to the clone's ``pipelines/``, ``data/``
  and ``docs/``: paths relative to the repository root work as written, and the files a
  block writes land in the temporary folder, not in the clone.
- ``<!-- docs-test: outside-clone -->`` anywhere on a page: its blocks run from an empty
  temporary folder instead, as an installed user's would (sample data through the data
  path, pipelines by name).
- ``<!-- docs-test: skip REASON -->`` as the last line before a block: that block is not
  run. Give the reason (data that is not bundled, a run of many minutes); keep these few:
  ``SKIPPED`` below lists them, and the test fails when the list and the pages disagree.
- A block whose text is part of a script in docs/examples/ (the gallery) is not run again:
  the script runs in tests/test_readme.py.
- docs/api.md is rendered by docs/build_docs.py from the docstrings; its ``>>>`` blocks are
  the docstrings' examples, which run as doctests (``pytest --doctest-modules neuropipe``).
  No other page holds ``>>>`` blocks.
"""

import importlib.util
import os
import re
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
DOCS = REPO / "docs"
SKIP = re.compile(r"^<!-- docs-test: skip (?P<reason>\S.*?) -->$")
OUTSIDE = "<!-- docs-test: outside-clone -->"

#: The blocks not run, as (page, first line of the block): each has a skip marker.
SKIPPED = {
    ("fmri.md", "from neuropipe.datasets.abide import abide_path, load_abide"),
    ("report.md", "from neuropipe.report import make_report"),
}


def _readme_module():
    spec = importlib.util.spec_from_file_location("test_readme", REPO / "tests" / "test_readme.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


_README = _readme_module()
EXAMPLES = "\n".join(p.read_text() for p in sorted((DOCS / "examples").glob("*.py")))


def page_blocks(path):
    """The python blocks of a page: ``(code, skip_reason or None, in_gallery)`` each."""
    text = path.read_text()
    blocks = []
    for match in _README.PYTHON_BLOCK.finditer(text):
        before = text[: match.start()].rstrip().splitlines()
        marker = SKIP.match(before[-1].strip()) if before else None
        code = match.group(1)
        blocks.append((code, marker["reason"] if marker else None, code.strip() in EXAMPLES))
    return blocks


PAGES = sorted(
    p for p in DOCS.glob("*.md") if p.name != "api.md" and _README.PYTHON_BLOCK.search(p.read_text())
)


def test_markers_gallery_and_doctest_blocks():
    found = set()
    for page in PAGES:
        for code, reason, _ in page_blocks(page):
            assert not code.lstrip().startswith(">>>"), f"{page.name}: a >>> block (doctest)"
            if reason is not None:
                found.add((page.name, code.strip().splitlines()[0]))
    assert found == SKIPPED, "update SKIPPED with the skip markers of the pages"
    gallery = page_blocks(DOCS / "gallery.md")
    assert len(gallery) >= 4 and all(in_gallery for _, _, in_gallery in gallery)
    for page in DOCS.glob("*.md"):
        for line in page.read_text().splitlines():
            if "docs-test:" in line:
                assert SKIP.match(line.strip()) or line.strip() == OUTSIDE, f"{page.name}: {line}"


@pytest.mark.slow
@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.name)
def test_page_python_blocks_run(page, tmp_path):
    blocks = [code for code, reason, in_gallery in page_blocks(page) if not (reason or in_gallery)]
    if not blocks:
        pytest.skip(f"{page.name}: every block is skipped (a marker) or a gallery script")
    cwd = tmp_path / "cwd"
    cwd.mkdir()
    if OUTSIDE not in page.read_text():
        for name in ("pipelines", "data", "docs"):
            os.symlink(REPO / name, cwd / name)
    done = _README.run_blocks(blocks, cwd, tmp_path)
    assert done.returncode == 0, f"{page.name}:\n{done.stdout}\n{done.stderr}"
