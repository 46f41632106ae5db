"""neuropipe uses only the public API of scikit-learn, MNE, MOABB, pyRiemann and nilearn.

Each module of ``neuropipe/`` is parsed (not imported) and three things are flagged:

1. an import of a private module or name of one of those packages
   (``from sklearn.svm import _libsvm``, ``import sklearn.utils._testing``,
   ``from mne.io.edf.edf import _read_edf_header``);
2. a private attribute read on another object (``raw._data``, ``raw._cals``), when the name is
   not one of neuropipe's own functions, classes or constants but does occur in one of those
   packages' sources;
3. the same through ``getattr`` / ``hasattr`` / ``setattr`` with a literal name.

Attributes of ``self`` / ``cls``, dunders and namedtuple's public ``_replace``-style methods are
never flagged; qualified names held in strings (type lists for safe loading) are data, not use.
"""

from __future__ import annotations

import ast
import importlib.util
import re
from functools import cache
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1] / "neuropipe"
DEPENDENCIES = ("sklearn", "mne", "moabb", "pyriemann", "nilearn")
NAMEDTUPLE_API = {"_replace", "_asdict", "_fields", "_make", "_field_defaults"}
MODULES = sorted(ROOT.rglob("*.py"))


def _private(name):
    return name.startswith("_") and not name.startswith("__")


def _from_dependency(module):
    return module is not None and module.split(".")[0] in DEPENDENCIES


def private_imports(tree):
    """``(line, what)`` for each import of a private module or name of a dependency."""
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if _from_dependency(alias.name) and any(map(_private, alias.name.split("."))):
                    found.append((node.lineno, f"import {alias.name}"))
        elif isinstance(node, ast.ImportFrom) and _from_dependency(node.module):
            names = [a.name for a in node.names]
            if any(map(_private, node.module.split("."))) or any(map(_private, names)):
                found.append((node.lineno, f"from {node.module} import {', '.join(names)}"))
    return found


def own_names(trees):
    """Names neuropipe defines itself: functions, classes, module/class-level assignments,
    imports. Attributes stored on instances do not count, so ``raw._data`` stays suspect
    even where some class of ours has a ``self._data``."""
    names = set()
    for tree in trees:
        for node in ast.walk(tree):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                names.add(node.name)
            elif isinstance(node, (ast.Import, ast.ImportFrom)):
                names.update((a.asname or a.name).split(".")[0] for a in node.names)
        for statement in ast.walk(tree):
            if isinstance(statement, (ast.Module, ast.ClassDef)):
                for node in statement.body:
                    targets = []
                    if isinstance(node, ast.Assign):
                        targets = node.targets
                    elif isinstance(node, (ast.AnnAssign, ast.AugAssign)):
                        targets = [node.target]
                    names.update(t.id for t in targets if isinstance(t, ast.Name))
    return names


def foreign_private_attributes(tree, own):
    """``(line, name)`` for private attributes read on objects other than ``self``/``cls``
    whose names neuropipe does not define (candidates; see ``_in_dependency_sources``)."""
    found = []
    for node in ast.walk(tree):
        name, base = None, None
        if isinstance(node, ast.Attribute) and _private(node.attr):
            name, base = node.attr, node.value
        elif (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Name)
            and node.func.id in ("getattr", "hasattr", "setattr")
            and len(node.args) >= 2
            and isinstance(node.args[1], ast.Constant)
            and isinstance(node.args[1].value, str)
            and _private(node.args[1].value)
        ):
            name, base = node.args[1].value, node.args[0]
        if name is None or name in own or name in NAMEDTUPLE_API:
            continue
        if isinstance(base, ast.Name) and base.id in ("self", "cls"):
            continue
        found.append((node.lineno, name))
    return found


@cache
def _dependency_private_names():
    """Every ``_name`` identifier in the sources of the dependencies."""
    names = set()
    for package in DEPENDENCIES:
        spec = importlib.util.find_spec(package)
        if spec is None or spec.origin is None:
            continue
        for path in Path(spec.origin).parent.rglob("*.py"):
            names.update(re.findall(r"(?<!\w)_[A-Za-z]\w*", path.read_text(errors="replace")))
    return frozenset(names)


def _in_dependency_sources(name):
    return name in _dependency_private_names()


@cache
def _trees():
    return {path: ast.parse(path.read_text(), filename=str(path)) for path in MODULES}


@cache
def _own():
    return own_names(_trees().values())


def offenders(path):
    tree = _trees()[path]
    own = _own()
    found = [f"line {line}: {what}" for line, what in private_imports(tree)]
    found += [
        f"line {line}: .{name} (private attribute of a dependency)"
        for line, name in foreign_private_attributes(tree, own)
        if _in_dependency_sources(name)
    ]
    return found


@pytest.mark.parametrize("path", MODULES, ids=[str(p.relative_to(ROOT.parent)) for p in MODULES])
def test_module_uses_only_public_apis_of_dependencies(path):
    found = offenders(path)
    assert not found, f"{path.relative_to(ROOT.parent)} uses private APIs: " + "; ".join(found)


SNIPPET = """
import numpy as np
import sklearn.utils._testing
from sklearn.svm import SVC, _libsvm
from sklearn.utils._param_validation import Interval
from mne.io.edf.edf import _read_edf_header
from sklearn.svm import SVC as PublicSVC

_OWN_TABLE = {}

class Reader:
    def __init__(self):
        self._data = None

    def _helper(self):
        return self._data

def load(raw, record, other):
    scale = raw._cals
    data = raw._data
    extras = getattr(raw, "_raw_extras")
    ok = hasattr(raw, "__len__")
    record = record._replace(a=1)
    table = other._OWN_TABLE
    return other._helper(), np.ones(3)
"""


def test_scanner_flags_private_imports_and_attributes_and_nothing_else():
    tree = ast.parse(SNIPPET)
    assert [line for line, _ in private_imports(tree)] == [3, 4, 5, 6]
    own = own_names([tree])
    assert {"_OWN_TABLE", "_helper", "Reader"} <= own and "_data" not in own
    flagged = sorted(name for _, name in foreign_private_attributes(tree, own))
    assert flagged == ["_cals", "_data", "_raw_extras"]
    assert all(map(_in_dependency_sources, flagged))
    assert not _in_dependency_sources("_no_dependency_defines_this_name_42")
