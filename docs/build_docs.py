"""Render the API reference (docs/api.md) and the example gallery (docs/gallery.md).

A light replacement for Sphinx + sphinx-gallery: the numpydoc docstrings of every public
name (each module's ``__all__``) become Markdown, and every script of ``docs/examples/``
becomes a gallery entry (its docstring, its code, and the output it printed when run).

    .venv/bin/python docs/build_docs.py            # rewrite docs/api.md and docs/gallery.md
    .venv/bin/python docs/build_docs.py --no-run   # gallery without running the examples

The reference opens with a table of every estimator that
:func:`neuropipe.discovery.all_estimators` finds (the walk that also makes them trusted in
saved models and checked by ``tests/test_common.py``); building it fails if one of them is
left out of the modules documented here.

``tests/test_readme.py`` runs every example and checks that the reference covers every
public name.
"""

from __future__ import annotations

import argparse
import importlib
import inspect
import re
import subprocess
import sys
from pathlib import Path

from neuropipe.discovery import all_estimators

DOCS = Path(__file__).resolve().parent
EXAMPLES = DOCS / "examples"

#: The modules whose ``__all__`` is the public API, in reading order.
MODULES = [
    ("neuropipe.io", "Reading recordings"),
    ("neuropipe.datasets", "Datasets: sample data, MOABB by code, BIDS, TOML"),
    ("neuropipe.preprocessing", "Preprocessing (MNE input, channels, filters)"),
    ("neuropipe.features", "Features"),
    ("neuropipe.selection", "Feature selection"),
    ("neuropipe.harmonization", "Harmonization across sites (ComBat)"),
    ("neuropipe.ensemble", "Ensembles (filter-bank tangent space, stacking)"),
    ("neuropipe.model_selection", "Model selection (splitters and searches)"),
    ("neuropipe.decoders", "Continuous decoders"),
    ("neuropipe.evaluation", "Evaluation (fold maths)"),
    ("neuropipe.benchmark", "Benchmark: planning, runner, task store, pipeline files"),
    ("neuropipe.online", "Online decoding (sliding window, LSL)"),
    ("neuropipe.report", "Reports"),
    ("neuropipe.persistence", "Saving models"),
    ("neuropipe.discovery", "Discovering the estimators"),
]

_SECTION = re.compile(r"^(\s*)([A-Z][A-Za-z ]+)\n\1-{3,}\s*$", re.M)


def _anchor(module: str, name: str) -> str:
    return f"{module}.{name}".replace(".", "-").replace("_", "-").lower()


def _prose(text: str) -> str:
    """reST roles and double back-quotes -> Markdown code spans."""
    text = re.sub(r":\w+:`~?([^`]+)`", r"`\1`", text)
    return text.replace("``", "`")


def render_docstring(doc: str) -> str:
    """numpydoc text -> Markdown: sections in bold, Examples as Python code blocks."""
    doc = inspect.cleandoc(doc or "(no docstring)")
    parts = _SECTION.split(doc)
    out = [_prose(parts[0].strip())]
    for i in range(1, len(parts), 3):
        title, body = parts[i + 1], parts[i + 2].strip("\n")
        if title == "Examples":
            out.append(f"**{title}**\n\n```python\n{body}\n```")
        else:
            out.append(f"**{title}**\n\n```text\n{body}\n```")
    return "\n\n".join(p for p in out if p)


def _stable(text: str) -> str:
    """``text`` with ``<function name at 0x...>`` written as ``name`` and ``<... object at
    0x...>`` as ``<... object>`` (no memory addresses)."""
    text = re.sub(r"<function (\S+) at 0x[0-9a-f]+>", r"\1", text)
    return re.sub(r" object at 0x[0-9a-f]+>", " object>", text)


def _signature(obj) -> str:
    try:
        return _stable(str(inspect.signature(obj)))
    except (TypeError, ValueError):
        return ""


def public_names(module_name: str) -> list[str]:
    """The names a module exports (its ``__all__``), dunders left out."""
    module = importlib.import_module(module_name)
    return [n for n in getattr(module, "__all__", []) if not n.startswith("__")]


def _summary(obj) -> str:
    return _prose(inspect.cleandoc(obj.__doc__ or "").split("\n\n")[0].replace("\n", " "))


def estimator_index() -> list[str]:
    """A table of every estimator :func:`neuropipe.discovery.all_estimators` finds, by the
    path users import it from; an error names those the reference would leave out."""
    documented = {f"{module}.{name}" for module, _ in MODULES for name in public_names(module)}
    estimators = all_estimators()
    missing = [path for path, _ in estimators if path not in documented]
    if missing:
        raise RuntimeError(
            f"{missing} are estimators (neuropipe.discovery) that no module of MODULES in "
            f"docs/build_docs.py exports: add their room to MODULES."
        )
    lines = ["## Estimators", "", "| estimator | what it does |", "|---|---|"]
    lines += [f"| `{path}` | {_summary(cls)} |" for path, cls in estimators]
    return lines + [""]


def render_api() -> str:
    """The whole API reference as Markdown."""
    lines = [
        "# API reference",
        "",
        "Generated from the docstrings by `.venv/bin/python docs/build_docs.py`; the "
        "examples in it run as doctests. Runnable scripts: [the gallery](gallery.md).",
        "",
        "Units: EEG arrays hold microvolts; every EEG estimator also takes `mne.Epochs` "
        "(volts, scaled by 1e6 on the way in; see `neuropipe.preprocessing.EpochsToArray`).",
        "",
    ]
    lines.append("- [Estimators](#estimators)")
    for module_name, title in MODULES:
        lines.append(f"- [{title}](#{module_name.replace('.', '')})")
    lines += ["", *estimator_index()]
    for module_name, title in MODULES:
        module = importlib.import_module(module_name)
        lines += ["", f"## {title}", "", f"`{module_name}`", ""]
        summary = inspect.cleandoc(module.__doc__ or "").split("\n\n")[0]
        lines += [_prose(summary), ""]
        for name in public_names(module_name):
            obj = getattr(module, name)
            if inspect.isclass(obj) or inspect.isfunction(obj):
                kind = "class" if inspect.isclass(obj) else "function"
                lines += [f"### `{name}{_signature(obj)}`", "", f"*{kind}*", ""]
                lines += [render_docstring(obj.__doc__), ""]
            else:
                lines += [
                    f"### `{name}`",
                    "",
                    f"*{type(obj).__name__}* `{_stable(repr(obj)):.200}`",
                    "",
                ]
    return "\n".join(lines).rstrip() + "\n"


def examples() -> list[Path]:
    """The gallery scripts, in name order."""
    return sorted(EXAMPLES.glob("*.py"))


def run_example(path: Path, timeout: float = 300) -> str:
    """Run one example with this Python from the repository root; return its output."""
    done = subprocess.run(
        [sys.executable, str(path)],
        cwd=DOCS.parent,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    if done.returncode != 0:
        raise RuntimeError(f"{path.name} failed:\n{done.stdout}\n{done.stderr}")
    return done.stdout


def render_gallery(run: bool = True) -> str:
    """The gallery page: each example's docstring, code and (if ``run``) output."""
    lines = [
        "# Gallery",
        "",
        "Runnable scripts in `docs/examples/` (run from the repository root, e.g. "
        "`.venv/bin/python docs/examples/mne_epochs_in.py`); `tests/test_readme.py` runs "
        "them all. API: [api.md](api.md).",
        "",
    ]
    for path in examples():
        source = path.read_text()
        module_doc = inspect.cleandoc(source.split('"""')[1]) if '"""' in source else ""
        title, _, rest = module_doc.partition("\n")
        code = source.split('"""', 2)[2].strip() if '"""' in source else source
        lines += [f"## {title}", "", f"`docs/examples/{path.name}`", "", _prose(rest.strip()), ""]
        lines += ["```python", code, "```", ""]
        if run:
            lines += ["Output:", "", "```text", run_example(path).rstrip(), "```", ""]
    return "\n".join(lines).rstrip() + "\n"


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--no-run", action="store_true", help="do not run the examples")
    args = parser.parse_args(argv)
    (DOCS / "api.md").write_text(render_api())
    (DOCS / "gallery.md").write_text(render_gallery(run=not args.no_run))
    print(f"Wrote {DOCS / 'api.md'} and {DOCS / 'gallery.md'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
