"""Fuzzing every public transformer, estimator and loader with hypothesis.

Each target gets random shapes, dtypes, NaN/inf, empty arrays, extreme magnitudes,
single-class or malformed labels, bad parameters, and (loaders) truncated or corrupted files:
EDF headers cut or with a field overwritten, wrong magic bytes, random bytes, damaged skops,
CSV and MATLAB files. Every call must either work, with finite output for finite input and
the documented shape, or raise one of the documented exceptions (``ValueError``, which
includes ``DataFileError`` and ``NotFittedError``, ``TypeError`` or ``FileNotFoundError``)
with a message of our own: an exception raised inside numpy or scipy, or carrying one of
their generic messages, fails the test. A hypothesis deadline catches hangs.

Profiles (``HYPOTHESIS_PROFILE`` environment variable): ``default`` runs 200 examples per
target, derandomised so CI is reproducible; ``nightly`` runs 2,000 random examples per
target. ``benchmarks/reliability_table.py`` runs this file and writes the outcome counts,
recorded when ``NEUROPIPE_FUZZ_RECORD`` names a JSON file, to ``docs/reliability.md``.

Targets of modules that do not import yet (work in progress) are skipped, with the reason.
"""

from __future__ import annotations

import functools
import importlib
import inspect
import json
import os
import re
import tempfile
import traceback
import warnings
from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from sklearn.exceptions import NotFittedError

ROOT = Path(__file__).resolve().parents[1]

PROFILES = {
    "default": settings(
        max_examples=200,
        deadline=timedelta(seconds=5),
        derandomize=True,
        database=None,
        suppress_health_check=list(HealthCheck),
        print_blob=True,
    ),
    "nightly": settings(
        max_examples=2000,
        deadline=timedelta(seconds=5),
        derandomize=False,
        database=None,
        suppress_health_check=list(HealthCheck),
        print_blob=True,
    ),
}
PROFILE = os.environ.get("HYPOTHESIS_PROFILE", "default")
if PROFILE not in PROFILES:
    raise ValueError(
        f"Unknown HYPOTHESIS_PROFILE {PROFILE!r} for tests/test_fuzz.py; use one of "
        f"{sorted(PROFILES)}."
    )
FUZZ = PROFILES[PROFILE]

#: The documented exceptions (DataFileError and NotFittedError are ValueErrors).
ALLOWED = (ValueError, TypeError, FileNotFoundError, NotFittedError)
#: Generic messages of numpy / scipy / Python that mean an unchecked input got through.
BARE_MESSAGES = re.compile(
    "|".join(
        [
            r"could not convert",
            r"setting an array element with a sequence",
            r"operands could not be broadcast",
            r"could not broadcast",
            r"singular matrix",
            r"array must not contain infs or nans",
            r"zero-size array",
            r"cannot reshape array",
            r"(index|axis) -?\d+ is out of bounds",
            r"'[<>]=?' not supported between",
            r"invalid literal",
            r"math domain error",
            r"unsupported operand",
            r"object of type .* has no len",
            r"'[\w.]+' object (cannot be interpreted|is not)",
            r"\w+\(\) argument",
            r"too many indices",
            r"tuple index out of range",
            r"all elements of `new_shape`",
            r"the length of the input vector",
            r"eigenvalues did not converge",
            r"arrays used as indices",
            r"negative dimensions",
            r"maximum supported dimension",
        ]
    )
)
_BARE_ORIGINS = (f"{os.sep}numpy{os.sep}", f"{os.sep}scipy{os.sep}")

#: Outcome counts per target, written to NEUROPIPE_FUZZ_RECORD (see the module docstring).
RECORD: dict = defaultdict(
    lambda: {"modes": Counter(), "outcomes": Counter(), "known": Counter(), "examples": 0}
)


@dataclass(frozen=True)
class KnownIssue:
    """A bug fuzzing found in a module this file does not own, reported to its owner.

    Until it is fixed, the fuzz strategies leave out the inputs that hit it (``known()``)
    and ``test_known_issue`` reproduces it as a strict xfail: once fixed, that test
    XPASSes, which fails the run as a reminder to delete the entry and its ``known()``.
    """

    targets: tuple
    module: str
    summary: str
    setup: str
    call: str
    fix: str


KNOWN_ISSUES = {}


def known(target: str, issue: str, condition) -> None:
    """Leave out an input that hits a reported bug, counting it for docs/reliability.md."""
    assert target in KNOWN_ISSUES[issue].targets, (target, issue)
    if condition:
        RECORD[target]["known"][issue] += 1
        assume(False)


def _origin(exc: BaseException) -> str:
    tb = exc.__traceback__
    last = None
    while tb is not None:
        last, tb = tb, tb.tb_next
    return last.tb_frame.f_code.co_filename if last is not None else ""


def _is_bare(exc: BaseException) -> bool:
    """Raised inside numpy / scipy, or a message that is only theirs (ours may quote it).

    A ``FileNotFoundError`` names the missing path wherever it is raised, which is clear.
    """
    if isinstance(exc, FileNotFoundError):
        return False
    origin = _origin(exc)
    return any(part in origin for part in _BARE_ORIGINS) or bool(
        BARE_MESSAGES.match(str(exc).strip().lower())
    )


class Outcome:
    """Run calls for one example, record what happened, fail on undocumented behaviour."""

    def __init__(self, target: str, mode: str):
        self.target, self.mode = target, mode
        RECORD[target]["examples"] += 1
        RECORD[target]["modes"][mode] += 1

    def call(self, func, *args, **kwargs):
        """Return ``(True, result)`` or ``(False, exception)`` for a documented exception."""
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                result = func(*args, **kwargs)
        except ALLOWED as exc:
            message = str(exc).strip()
            if not message or _is_bare(exc):
                detail = "".join(traceback.format_exception(exc))
                raise AssertionError(
                    f"{self.target} [{self.mode}]: bare {type(exc).__name__} "
                    f"instead of a clear error:\n{detail}"
                ) from exc
            RECORD[self.target]["outcomes"][type(exc).__name__] += 1
            return False, exc
        RECORD[self.target]["outcomes"]["ok"] += 1
        return True, result

    def finite(self, result, what="output"):
        """Assert that every array in ``result`` is finite (for finite input)."""
        arrays = result if isinstance(result, tuple) else (result,)
        for array in arrays:
            array = np.asarray(array)
            if array.dtype.kind in "fc" and not np.all(np.isfinite(array)):
                raise AssertionError(
                    f"{self.target} [{self.mode}]: non-finite {what} from finite input "
                    f"({int(np.sum(~np.isfinite(array)))} of {array.size} values)."
                )


@pytest.fixture(scope="module", autouse=True)
def _write_record():
    yield
    path = os.environ.get("NEUROPIPE_FUZZ_RECORD")
    if path:
        previous = json.loads(Path(path).read_text()) if Path(path).is_file() else {}
        previous.update(
            {
                name: {
                    "examples": rec["examples"],
                    "modes": dict(rec["modes"]),
                    "outcomes": dict(rec["outcomes"]),
                    "known": dict(rec["known"]),
                }
                for name, rec in RECORD.items()
            }
        )
        previous["_profile"] = {"name": PROFILE, "max_examples": FUZZ.max_examples}
        Path(path).write_text(json.dumps(previous, indent=1, sort_keys=True))


# ---------------------------------------------------------------------------------------
# Array strategies
# ---------------------------------------------------------------------------------------

#: Input modes of the array strategies, described in docs/reliability.md.
ARRAY_MODES = {
    "finite": "right rank, random finite float64 values (scales 0 to 1e6, constants, "
    "duplicated channels, subnormals)",
    "dtype": "right rank, another dtype (float32, int, bool, complex, strings, object)",
    "nonfinite": "right rank with NaN, +inf or -inf values",
    "extreme": "right rank, finite values up to 1e300 in magnitude",
    "rank": "wrong number of dimensions (0-D to 5-D)",
    "empty": "one axis of length 0",
    "ragged": "a ragged nested list, None or a string",
}
FINITE_MODES = ("finite", "extreme")


@st.composite
def arrays(draw, sides, modes=tuple(ARRAY_MODES), square=None):
    """Draw ``(mode, X)``: ``sides`` gives ``(min, max)`` of each axis of a valid array."""
    mode = draw(st.sampled_from([m for m in modes for _ in range(5 if m == "finite" else 1)]))
    shape = [draw(st.integers(lo, hi)) for lo, hi in sides]
    for a, b in square or ():
        shape[b] = shape[a]
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    if mode == "ragged":
        return mode, draw(
            st.sampled_from([None, "abc", [[1.0, 2.0], [3.0]], [np.zeros(2), np.zeros(3)], {}])
        )
    if mode == "rank":
        ndim = draw(st.sampled_from([d for d in range(6) if d != len(sides)]))
        shape = [draw(st.integers(1, 4)) for _ in range(ndim)]
    if mode == "empty":
        shape[draw(st.integers(0, len(shape) - 1))] = 0
    scale = draw(st.sampled_from([0.0, 1e-12, 1.0, 1.0, 1e3, 1e6]))
    if mode == "extreme":
        scale = draw(st.sampled_from([1e100, 1e200, 1e300]))
    X = np.asarray(rng.standard_normal(shape) * scale)
    style = draw(st.sampled_from(["noise", "noise", "constant", "duplicate", "spikes"]))
    if X.size and style == "constant":
        X[...] = draw(st.sampled_from([0.0, 1.0, -3.5, 5e-324]))
    elif X.ndim >= 2 and X.shape[1] > 1 and style == "duplicate":
        X[:, 1:] = X[:, :1]
    elif X.size and style == "spikes":
        X.flat[rng.integers(0, X.size, 3)] = draw(st.sampled_from([5e-324, 1e6, -1e6]))
    if mode == "nonfinite" and X.size:
        bad = draw(st.sampled_from([np.nan, np.inf, -np.inf]))
        X.flat[rng.integers(0, X.size, draw(st.integers(1, 3)))] = bad
    if mode == "dtype":
        kind = draw(st.sampled_from(["float32", "int64", "int8", "bool", "complex", "str", "obj"]))
        if kind == "complex":
            X = X + 1j * X
        elif kind == "str":
            X = X.astype(str)
        elif kind == "obj":
            X = X.astype(object)
            if X.size:
                X.flat[0] = "x"
        else:
            with np.errstate(invalid="ignore", over="ignore"):
                X = (X * (1 if kind.startswith("float") else 1e3)).astype(kind)
    return mode, X


@st.composite
def labels(draw, n):
    """Draw ``(mode, y)`` for ``n`` samples: valid or malformed class labels."""
    mode = draw(
        st.sampled_from(["valid", "valid", "single", "length", "2d", "nan", "mixed", "empty"])
    )
    rng = np.random.default_rng(draw(st.integers(0, 2**16)))
    n_classes = draw(st.integers(2, 3))
    base = np.arange(max(n, 1)) % n_classes
    rng.shuffle(base)
    kind = draw(st.sampled_from(["int", "str", "float"]))
    y = base.astype({"int": int, "str": str, "float": float}[kind])[:n]
    if mode == "single":
        y = np.zeros(n, dtype=int)
    elif mode == "length":
        y = np.resize(y, max(0, n + draw(st.sampled_from([-1, 1, 5]))))
    elif mode == "2d":
        y = np.column_stack([y, y])
    elif mode == "nan":
        y = base[:n].astype(float)
        if n:
            y[0] = np.nan
    elif mode == "mixed":
        y = np.array([1, "a"] * n, dtype=object)[:n]
    elif mode == "empty":
        y = np.array([])
    return mode, y


# ---------------------------------------------------------------------------------------
# Targets
# ---------------------------------------------------------------------------------------


@dataclass
class Target:
    """One public estimator, function or loader and how to fuzz it."""

    name: str
    module: str
    strategy: object
    check: object
    inputs: str = ""
    #: Fewer examples for targets that read whole recordings (a fraction of the profile's).
    share: float = 1.0


TARGETS: list[Target] = []


def target(name, module, inputs, share=1.0):
    def register(func):
        TARGETS.append(Target(name, module, func.strategy, func, inputs, share))
        return func

    return register


def _optional(module):
    try:
        return importlib.import_module(module)
    except Exception as exc:  # a module still being written must not break the others
        pytest.skip(f"{module} does not import ({type(exc).__name__}: {exc})")


def strategy(strat):
    def attach(func):
        func.strategy = strat
        return func

    return attach


def _fit_transform(out, make, mode, X, X_new, *, finite_modes=FINITE_MODES):
    """Fit on X (fuzzed) and transform X and X_new; check outputs of finite input."""
    est = make()
    ok, _ = out.call(est.transform, X_new[1])
    assert not ok, f"{out.target}: transform before fit must raise NotFittedError"
    ok, fitted = out.call(est.fit, X)
    if not ok:
        return None
    for data_mode, data in ((mode, X), X_new):
        ok, result = out.call(fitted.transform, data)
        if ok and data_mode in finite_modes:
            out.finite(result, f"output of {data_mode} input")
            assert len(result) == len(data), f"{out.target}: output has the wrong length"
    return fitted


SIDES_EPOCHS = [(1, 5), (1, 4), (1, 80)]


def mostly(valid, invalid):
    """Valid values three times as often as invalid ones."""
    return st.sampled_from(list(valid) * 3 + list(invalid))


SFREQS = mostly([64.0, 100.0, 160.0], [0.0, -1.0, float("nan"), float("inf"), "x"])


def _epochs_case(extra=None):
    """Strategy: fuzzed epochs to fit on, fuzzed epochs to transform, parameters."""
    return st.tuples(
        arrays(SIDES_EPOCHS), arrays(SIDES_EPOCHS), st.just({}) if extra is None else extra
    )


@target("PickChannels", "neuropipe.preprocessing", "epochs; channel names and picks")
@strategy(
    _epochs_case(
        st.fixed_dictionaries(
            {"picks": st.lists(st.sampled_from(["C3", "Cz", "C4", "Pz", "Oz"]), max_size=3)}
        )
    )
)
def check_pick_channels(case):
    from neuropipe.preprocessing import PickChannels

    (mode, X), X_new, params = case
    out = Outcome("PickChannels", mode)
    names = ["C3", "Cz", "C4", "Pz"]
    _fit_transform(out, lambda: PickChannels(names, params["picks"]), mode, X, X_new)


@target("BandPass", "neuropipe.preprocessing", "epochs; sfreq, band edges, order")
@strategy(
    _epochs_case(
        st.fixed_dictionaries(
            {
                "sfreq": SFREQS,
                "l_freq": mostly([0.0, 1.0, 8.0, None], [-2.0, 45.0]),
                "h_freq": mostly([20.0, 30.0, 31.9, None], [50.0, 80.0, 8.0]),
                "order": mostly([1, 4], [0, 2.5]),
            }
        )
    )
)
def check_bandpass(case):
    from neuropipe.preprocessing import BandPass

    (mode, X), X_new, p = case
    out = Outcome("BandPass", mode)
    _fit_transform(
        out, lambda: BandPass(p["sfreq"], p["l_freq"], p["h_freq"], p["order"]), mode, X, X_new
    )


@target("FilterBank", "neuropipe.preprocessing", "epochs; sfreq, bands")
@strategy(
    _epochs_case(
        st.fixed_dictionaries(
            {
                "sfreq": SFREQS,
                "bands": mostly(
                    [[(8.0, 12.0), (12.0, 30.0)], [(4.0, 8.0)]], [[], [(12.0, 8.0)], [(1.0, 200.0)]]
                ),
            }
        )
    )
)
def check_filter_bank(case):
    from neuropipe.preprocessing import FilterBank

    (mode, X), X_new, p = case
    out = Outcome("FilterBank", mode)
    _fit_transform(out, lambda: FilterBank(p["sfreq"], p["bands"]), mode, X, X_new)


SIDES_BANDS = [(1, 4), (1, 3), (1, 20), (1, 3)]


@target("StackBands", "neuropipe.preprocessing", "filter-bank epochs (4-D)")
@strategy(st.tuples(arrays(SIDES_BANDS), arrays(SIDES_BANDS)))
def check_stack_bands(case):
    from neuropipe.preprocessing import StackBands

    (mode, X), X_new = case
    _fit_transform(Outcome("StackBands", mode), StackBands, mode, X, X_new)


SPECTRAL_PARAMS = st.fixed_dictionaries(
    {
        "sfreq": SFREQS,
        "method": mostly(["burg", "welch", "multitaper"], ["wlech"]),
        "fmin": mostly([1.0, 8.0, 0.0], [-1.0, 60.0]),
        "fmax": mostly([None, 30.0], [49.0, 200.0, 4.0]),
        "fres": mostly([1.0, 2.0], [0.0, 0.37]),
        "log": st.booleans(),
    }
)


@target("PSD", "neuropipe.features.spectral", "epochs; sfreq, method, fmin/fmax, fres, log")
@strategy(_epochs_case(SPECTRAL_PARAMS))
def check_psd(case):
    from neuropipe.features.spectral import PSD

    (mode, X), X_new, p = case
    out = Outcome("PSD", mode)
    _fit_transform(
        out,
        lambda: PSD(
            p["sfreq"],
            method=p["method"],
            fmin=p["fmin"],
            fmax=p["fmax"],
            fres=p["fres"],
            window=0.25 if p["method"] == "burg" else None,
            step=0.125 if p["method"] == "burg" else None,
            log=p["log"],
        ),
        mode,
        X,
        X_new,
    )


@target("BandPower", "neuropipe.features.spectral", "epochs; sfreq, bands, method, log")
@strategy(
    _epochs_case(
        st.fixed_dictionaries(
            {
                "sfreq": SFREQS,
                "bands": mostly(
                    [("mu", "beta"), ("alpha",), {"x": (4.0, 9.0)}],
                    [(), ("nope",), {"x": (3.0, 1.0)}, {"hi": (40, 45)}],
                ),
                "method": st.sampled_from(["welch", "burg"]),
                "log": st.booleans(),
            }
        )
    )
)
def check_band_power(case):
    from neuropipe.features.spectral import BandPower

    (mode, X), X_new, p = case
    out = Outcome("BandPower", mode)
    _fit_transform(
        out, lambda: BandPower(p["sfreq"], p["bands"], p["method"], p["log"]), mode, X, X_new
    )


@target("burg_ar", "neuropipe.features.spectral", "signals (any rank); order")
@strategy(
    st.tuples(arrays([(1, 3), (1, 40)]), st.sampled_from([1, 2, 6, 0, -1, 50, 2.5, "3", None]))
)
def check_burg_ar(case):
    from neuropipe.features.spectral import burg_ar

    (mode, X), order = case
    out = Outcome("burg_ar", mode)
    ok, result = out.call(burg_ar, X, order)
    if ok and mode in FINITE_MODES:
        out.finite(result)


@target("Connectivity", "neuropipe.features.connectivity", "epochs; sfreq, metric, fmin/fmax, fres")
@strategy(
    _epochs_case(
        st.fixed_dictionaries(
            {
                "sfreq": SFREQS,
                "metric": mostly(["coh", "imcoh", "abs_imcoh", "plv", "pli", "wpli"], ["x"]),
                "fmin": mostly([1.0, 8.0], [-1.0]),
                "fmax": mostly([None, 30.0], [500.0]),
                "fres": mostly([1.0, 4.0], [0.0]),
            }
        )
    )
)
def check_connectivity(case):
    from neuropipe.features.connectivity import Connectivity

    (mode, X), X_new, p = case
    out = Outcome("Connectivity", mode)
    _fit_transform(
        out,
        lambda: Connectivity(
            p["sfreq"], p["metric"], p["fmin"], p["fmax"], p["fres"], window=0.25, step=0.125
        ),
        mode,
        X,
        X_new,
    )


SIDES_CON = [(1, 4), (1, 3), (1, 4), (1, 4)]


@target("NodeStrength", "neuropipe.features.connectivity", "connectivity arrays (4-D, square)")
@strategy(st.tuples(arrays(SIDES_CON, square=[(2, 3)]), arrays(SIDES_CON, square=[(2, 3)])))
def check_node_strength(case):
    from neuropipe.features.connectivity import NodeStrength

    (mode, X), X_new = case
    _fit_transform(Outcome("NodeStrength", mode), NodeStrength, mode, X, X_new)


SELECTOR_SIDES = st.sampled_from([[(2, 12), (1, 4), (1, 5)], [(2, 12), (1, 8)]])
#: mutual_info_classif costs milliseconds per feature: fewer features keep the file fast.
SMALL_SIDES = st.sampled_from([[(2, 12), (1, 2), (1, 2)], [(2, 12), (1, 3)]])


@st.composite
def selector_case(draw, sides=SELECTOR_SIDES):
    mode, X = draw(arrays(draw(sides)))
    n = len(X) if isinstance(X, np.ndarray) and X.ndim else 0
    y_mode, y = draw(labels(n))
    k = draw(mostly([1, 3, 100, "all"], [0, -1, 2.5]))
    rule = draw(mostly(["topk", "autofeat"], ["best"]))
    return mode, X, y_mode, y, k, rule, draw(arrays(draw(sides)))


def _check_selector(name, cls, case):
    mode, X, y_mode, y, k, rule, X_new = case
    out = Outcome(name, f"{mode}/y:{y_mode}")
    est = cls(k=k, rule=rule)
    ok, _ = out.call(est.transform, X)
    assert not ok
    ok, fitted = out.call(est.fit, X, y)
    if not ok:
        return
    assert y_mode == "valid", f"{name} accepted malformed labels ({y_mode}): {y!r}"
    for data_mode, data in ((mode, X), X_new):
        ok, result = out.call(fitted.transform, data)
        if ok and data_mode in FINITE_MODES:
            out.finite(result)
            assert result.ndim == 2 and result.shape[1] == fitted.support_.sum()
    if mode in FINITE_MODES:  # Fisher scores are documented to be inf for perfect separation
        scores = fitted.scores_
        out.finite(np.nan_to_num(scores, posinf=0.0) if name == "FisherSelector" else scores)


for _name in ("R2Selector", "FisherSelector", "MutualInfoSelector"):

    def _make(cls_name):
        @target(cls_name, "neuropipe.selection", "spectra or features; labels; k, rule")
        @strategy(
            selector_case(SMALL_SIDES if cls_name == "MutualInfoSelector" else SELECTOR_SIDES)
        )
        def check(case):
            import neuropipe.selection as selection

            _check_selector(cls_name, getattr(selection, cls_name), case)

        return check

    _make(_name)


@target("autofeat_mask", "neuropipe.selection", "score maps (any rank); k")
@strategy(st.tuples(arrays([(1, 5), (1, 5)]), st.sampled_from([1, 3, 0, -2, 2.5, None])))
def check_autofeat(case):
    from neuropipe.selection import autofeat_mask

    (mode, scores), k = case
    out = Outcome("autofeat_mask", mode)
    ok, mask = out.call(autofeat_mask, scores, k)
    if ok and mode == "finite":
        assert mask.sum() == min(k, scores.shape[0])


# ---------------------------------------------------------------------------------------
# Decoders (X (n_bins, n_features), y (n_bins, n_states))
# ---------------------------------------------------------------------------------------


@st.composite
def decoding_case(draw):
    mode, X = draw(arrays([(3, 40), (1, 4)]))
    n = len(X) if isinstance(X, np.ndarray) and X.ndim else 0
    y_mode = draw(
        st.sampled_from(
            ["valid", "valid", "1d", "nonfinite", "length", "constant", "words", "numtext"]
        )
    )
    rng = np.random.default_rng(draw(st.integers(0, 2**16)))
    y = np.cumsum(rng.standard_normal((max(n, 1), 2)), axis=0)[:n]
    if y_mode == "1d":
        y = y[:, 0]
    elif y_mode == "nonfinite" and n:
        y[rng.integers(0, n), 0] = np.nan
    elif y_mode == "length":
        y = y[:-1]
    elif y_mode == "constant":
        y[:] = 1.0
    elif y_mode == "words":  # class names where states belong
        y = np.where(y > 0, "up", "down")
    elif y_mode == "numtext":  # numbers written as text: read as the numbers
        y = y.astype(str)
    return mode, X, y_mode, y, draw(arrays([(1, 10), (1, 4)]))


def _check_decoder(name, make, case, check_covs=False):
    mode, X, y_mode, y, X_new = case
    out = Outcome(name, f"{mode}/y:{y_mode}")
    ok, _ = out.call(make().predict, X)
    assert not ok
    ok, fitted = out.call(make().fit, X, y)
    if not ok:
        return
    assert y_mode in ("valid", "1d", "constant", "numtext"), (
        f"{name} accepted bad states ({y_mode})"
    )
    for data_mode, data in ((mode, X), X_new):
        kwargs = {"return_cov": True} if check_covs else {}
        ok, result = out.call(fitted.predict, data, **kwargs)
        if ok and data_mode in FINITE_MODES and y_mode != "constant":
            out.finite(result)
            if check_covs:
                covs = np.asarray(result[1]).reshape(len(data), -1)
                d = int(round(np.sqrt(covs.shape[1])))
                covs = covs.reshape(len(data), d, d)
                np.testing.assert_allclose(covs, np.swapaxes(covs, 1, 2), rtol=1e-8, atol=0)
                assert np.all(np.linalg.eigvalsh(covs)[:, 0] > 0), f"{name}: non-SPD covariance"


@target("KalmanFilterRegressor", "neuropipe.decoders", "bins x features; states")
@strategy(decoding_case())
def check_kalman(case):
    from neuropipe.decoders import KalmanFilterRegressor

    _check_decoder("KalmanFilterRegressor", KalmanFilterRegressor, case, check_covs=True)


@target("DiscriminativeKalmanFilter", "neuropipe.decoders", "bins x features; states; q_estimator")
@strategy(st.tuples(decoding_case(), st.sampled_from(["constant", "kernel"]), st.booleans()))
def check_dkf(case):
    from sklearn.linear_model import Ridge

    from neuropipe.decoders import DiscriminativeKalmanFilter

    inner, q_estimator, robust = case

    def make():
        return DiscriminativeKalmanFilter(
            Ridge(), q_estimator=q_estimator, robust=robust, random_state=0
        )

    _check_decoder("DiscriminativeKalmanFilter", make, inner, check_covs=True)


@target("NadarayaWatsonRegressor", "neuropipe.decoders", "samples x features; targets; bandwidth")
@strategy(st.tuples(decoding_case(), st.sampled_from([None, 0.5, 0.0, -1.0, float("nan")])))
def check_nw(case):
    from neuropipe.decoders import NadarayaWatsonRegressor

    inner, bandwidth = case
    _check_decoder(
        "NadarayaWatsonRegressor",
        lambda: NadarayaWatsonRegressor(bandwidth=bandwidth, random_state=0),
        inner,
    )


@target("SpikeHistory", "neuropipe.decoders", "bins x features; bins_before/after")
@strategy(
    st.tuples(
        arrays([(1, 20), (1, 4)]),
        arrays([(1, 20), (1, 4)]),
        st.sampled_from([0, 1, 3, -1, 2.5, 50]),
        st.sampled_from([0, 1, -2]),
        st.booleans(),
    )
)
def check_spike_history(case):
    from neuropipe.decoders import SpikeHistory

    (mode, X), X_new, before, after, current = case
    out = Outcome("SpikeHistory", mode)
    _fit_transform(out, lambda: SpikeHistory(before, after, current), mode, X, X_new)


@target("lag_features", "neuropipe.decoders", "bins x features (any rank); lags")
@strategy(
    st.tuples(arrays([(1, 20), (1, 4)]), st.sampled_from([0, 2, -1, 2.5]), st.sampled_from([0, 1]))
)
def check_lag_features(case):
    from neuropipe.decoders import lag_features

    (mode, X), before, after = case
    out = Outcome("lag_features", mode)
    ok, result = out.call(lag_features, X, before, after)
    if ok and mode in FINITE_MODES:
        out.finite(result)
        assert result.shape[0] == len(X)


# ---------------------------------------------------------------------------------------
# Augmented covariances and the order/lag search
# ---------------------------------------------------------------------------------------


@target("AugmentedCovariances", "neuropipe.features.augmented", "epochs; order, lag, estimator")
@strategy(
    _epochs_case(
        st.fixed_dictionaries(
            {
                "order": mostly([1, 2, 4], [0, 2.5, 100]),
                "lag": mostly([1, 3], [0, -1]),
                "estimator": mostly(["cov", "scm", "oas", "lwf"], ["nope"]),
                "embedding": mostly(["moabb", "hankel"], ["x"]),
            }
        )
    )
)
def check_augmented(case):
    augmented = _optional("neuropipe.features.augmented")
    (mode, X), X_new, p = case
    out = Outcome("AugmentedCovariances", mode)
    _fit_transform(
        out,
        lambda: augmented.AugmentedCovariances(
            p["order"], p["lag"], p["estimator"], p["embedding"]
        ),
        mode,
        X,
        X_new,
    )


@target("AutoAugmentedCovariances", "neuropipe.features.embedding", "epochs; max_order, max_lag")
@strategy(
    _epochs_case(
        st.fixed_dictionaries({"max_order": mostly([1, 3], [0]), "max_lag": mostly([1, 5], [-1])})
    )
)
def check_auto_augmented(case):
    embedding = _optional("neuropipe.features.embedding")
    (mode, X), X_new, p = case
    out = Outcome("AutoAugmentedCovariances", mode)
    _fit_transform(
        out,
        lambda: embedding.AutoAugmentedCovariances(
            p["max_order"], p["max_lag"], estimator="oas", max_series=8, random_state=0
        ),
        mode,
        X,
        X_new,
    )


@st.composite
def search_case(draw):
    mode, X = draw(arrays([(6, 12), (1, 3), (8, 60)]))
    n = len(X) if isinstance(X, np.ndarray) and X.ndim else 0
    y_mode, y = draw(labels(n))
    return mode, X, y_mode, y, draw(arrays([(1, 4), (1, 3), (8, 60)]))


@target("EmbeddingSearchCV", "neuropipe.model_selection", "epochs; labels")
@strategy(search_case())
def check_embedding_search(case):
    from pyriemann.classification import MDM

    model_selection = _optional("neuropipe.model_selection")
    mode, X, y_mode, y, X_new = case
    out = Outcome("EmbeddingSearchCV", f"{mode}/y:{y_mode}")
    est = model_selection.EmbeddingSearchCV(
        MDM(), orders=(1, 2), lags=(1, 2), estimator="oas", cv=2, random_state=0
    )
    ok, fitted = out.call(est.fit, X, y)
    if not ok:
        return
    assert y_mode == "valid", f"EmbeddingSearchCV accepted malformed labels ({y_mode})"
    for data_mode, data in ((mode, X), X_new):
        ok, result = out.call(fitted.predict_proba, data)
        if ok and data_mode in FINITE_MODES:
            out.finite(result)


# ---------------------------------------------------------------------------------------
# fMRI graphs
# ---------------------------------------------------------------------------------------


@st.composite
def subjects(draw):
    """Draw ``(mode, X)``: a list of (n_timepoints, n_rois) arrays, or something else."""
    mode = draw(st.sampled_from(["finite"] * 4 + ["subject", "rois", "ragged", "rank"]))
    n_rois = draw(st.integers(2, 6))
    parts = []
    for _ in range(draw(st.integers(1, 4))):
        sub_mode, x = draw(arrays([(2, 30), (n_rois, n_rois)], modes=("finite",)))
        parts.append(x)
    if mode == "subject":
        sub_mode, x = draw(arrays([(2, 30), (n_rois, n_rois)]))
        parts.append(x)
        mode = f"subject:{sub_mode}"
    elif mode == "rois":
        parts.append(np.ones((10, n_rois + 1)))
    elif mode == "ragged":
        return mode, draw(st.sampled_from([None, "abc", [], np.zeros((3, 4)), [[1.0, 2.0]]]))
    elif mode == "rank":
        return mode, np.zeros((2, 3, 4, 5))
    return mode, parts


@target("ConnectivityGraph", "neuropipe.features.graph", "subjects' ROI time series; kind, density")
@strategy(
    st.tuples(
        subjects(),
        subjects(),
        st.fixed_dictionaries(
            {
                "kind": st.sampled_from(["correlation"] * 3 + ["partial correlation", "x"]),
                "density": st.sampled_from([0.1, 0.5, 1.0, None, 0.0, 2.0]),
                "binarize": st.booleans(),
                "fisher_z": st.booleans(),
            }
        ),
    )
)
def check_connectivity_graph(case):
    graph = _optional("neuropipe.features.graph")
    (mode, X), (new_mode, X_new), p = case
    out = Outcome("ConnectivityGraph", mode)
    est = graph.ConnectivityGraph(
        kind=p["kind"], density=p["density"], binarize=p["binarize"], fisher_z=p["fisher_z"]
    )
    ok, fitted = out.call(est.fit, X)
    if not ok:
        return
    for data_mode, data in ((mode, X), (new_mode, X_new)):
        ok, result = out.call(fitted.transform, data)
        if ok and data_mode == "finite":
            out.finite(result)
            assert result.shape[0] == len(data)


@st.composite
def graphs(draw):
    mode, A = draw(arrays([(1, 4), (2, 6), (2, 6)], square=[(1, 2)]))
    if mode in FINITE_MODES and draw(st.booleans()):
        A = (np.abs(A + np.swapaxes(A, 1, 2)) > 0.5).astype(float)
        A[:, np.arange(A.shape[1]), np.arange(A.shape[1])] = 0
        mode = "binary graph"
    elif isinstance(A, np.ndarray) and A.ndim == 3 and A.shape[1] == A.shape[2]:
        A = A + np.swapaxes(A, 1, 2)
    return mode, A


for _name in ("GraphMetrics", "EdgeVector"):

    def _make_graph(cls_name):
        @target(cls_name, "neuropipe.features.graph", "adjacency stacks (binary, weighted, bad)")
        @strategy(
            st.tuples(
                graphs(),
                graphs(),
                st.sampled_from(
                    [("degree", "triangles"), ("clustering", "squares"), ("strength",), ("x",)]
                ),
            )
        )
        def check(case):
            graph = _optional("neuropipe.features.graph")
            (mode, A), A_new, metrics = case
            out = Outcome(cls_name, mode)
            cls = getattr(graph, cls_name)

            def make():
                return cls(metrics=metrics) if cls_name == "GraphMetrics" else cls()

            _fit_transform(out, make, mode, A, A_new, finite_modes=FINITE_MODES + ("binary graph",))

        return check

    _make_graph(_name)


@target("ROIMask", "neuropipe.selection", "feature matrices; labels; n_rois, k")
@strategy(selector_case())
def check_roi_mask(case):
    selection = _optional("neuropipe.selection")
    mode, X, y_mode, y, k, _, X_new = case
    out = Outcome("ROIMask", f"{mode}/y:{y_mode}")
    n_rois = X.shape[1] if isinstance(X, np.ndarray) and X.ndim == 2 else 2
    ok, fitted = out.call(selection.ROIMask(n_rois=n_rois, k=k).fit, X, y)
    if not ok:
        return
    assert y_mode == "valid", f"ROIMask accepted malformed labels ({y_mode})"
    for data_mode, data in ((mode, X), X_new):
        ok, result = out.call(fitted.transform, data)
        if ok and data_mode in FINITE_MODES:
            out.finite(result)


# ---------------------------------------------------------------------------------------
# Shared validation
# ---------------------------------------------------------------------------------------


@target("check_epochs", "neuropipe._validation", "arrays of any rank, dtype and content")
@strategy(st.tuples(arrays(SIDES_EPOCHS), st.sampled_from([3, 4]), st.booleans()))
def check_check_epochs(case):
    from neuropipe._validation import check_epochs

    (mode, X), ndim, allow_nan = case
    out = Outcome("check_epochs", mode)
    ok, result = out.call(check_epochs, X, ndim=ndim, allow_nan=allow_nan)
    if ok:
        assert result.dtype == np.float64 and result.ndim == ndim and result.size
        if not allow_nan:
            out.finite(result)


@target("check_spd", "neuropipe._validation", "stacks of matrices: SPD, singular, asymmetric")
@strategy(arrays([(1, 4), (1, 5), (1, 5)], square=[(1, 2)]))
def check_check_spd(case):
    from neuropipe._validation import check_spd

    mode, C = case
    if mode == "finite" and C.ndim == 3:
        C = C @ np.swapaxes(C, 1, 2)  # positive semi-definite, often singular
    out = Outcome("check_spd", mode)
    ok, result = out.call(check_spd, C)
    if ok:
        assert np.all(np.linalg.eigvalsh(result)[..., 0] > 0)


@target("check_labels", "neuropipe._validation", "labels: single class, NaN, mixed types, 2-D")
@strategy(st.tuples(st.integers(0, 12).flatmap(labels), st.sampled_from([1, 2, 5])))
def check_check_labels(case):
    from neuropipe._validation import check_labels

    (mode, y), min_per_class = case
    out = Outcome("check_labels", mode)
    out.call(check_labels, y, min_per_class=min_per_class)


@target("check_freq_range", "neuropipe._validation", "fmin, fmax, sfreq of any type")
@strategy(
    st.tuples(
        st.one_of(mostly([None, 0.0, 1.0, 8.0], [-1.0]), st.floats(), st.text(max_size=3)),
        st.one_of(mostly([None, 30.0, 40.0], [80.0]), st.floats(), st.integers(-5, 500)),
        st.one_of(mostly([100.0, 160.0], [0.0]), st.floats(), st.text(max_size=3), st.none()),
    )
)
def check_check_freq_range(case):
    from neuropipe._validation import check_freq_range

    fmin, fmax, sfreq = case
    out = Outcome("check_freq_range", "params")
    ok, result = out.call(check_freq_range, fmin, fmax, sfreq)
    if ok:
        assert 0 <= result[0] < result[1] <= float(sfreq) / 2


@target("check_ch_names", "neuropipe._validation", "channel lists: missing, extra, reordered")
@strategy(
    st.tuples(
        st.lists(st.sampled_from(["C3", "Cz", "C4", "Pz", "Oz"]), max_size=5),
        st.lists(st.sampled_from(["C3", "Cz", "C4", "Pz", "Oz"]), max_size=5),
    )
)
def check_check_ch_names(case):
    from neuropipe._validation import check_ch_names

    expected, got = case
    out = Outcome("check_ch_names", "lists")
    ok, _ = out.call(check_ch_names, expected, got)
    assert ok == (expected == got)


@target("check_timeseries", "neuropipe._validation", "subjects' time series of any shape")
@strategy(subjects())
def check_check_timeseries(case):
    from neuropipe._validation import check_timeseries

    mode, X = case
    out = Outcome("check_timeseries", mode)
    ok, result = out.call(check_timeseries, X)
    if ok:
        for x in result:
            out.finite(x)


# ---------------------------------------------------------------------------------------
# Loaders: truncated and corrupted files
# ---------------------------------------------------------------------------------------

EDF_RECORD_BYTES = 20640  # one 1 s record of the EEGMMIDB files (64 x 160 + 80 samples, int16)
EDF_HEADER_BYTES = 16896


@functools.lru_cache(maxsize=1)
def _small_edf() -> bytes:
    """The first 13 s of S001R04 (T2 cue at 4.2 s, T1 at 8.4 s) as a valid EDF+ file."""
    data = (ROOT / "data" / "eegmmidb" / "S001" / "S001R04.edf").read_bytes()
    n_records = 13
    small = bytearray(data[: EDF_HEADER_BYTES + n_records * EDF_RECORD_BYTES])
    small[236:244] = f"{n_records:<8d}".encode()
    return bytes(small)


def _edf_fields():
    """(offset, width) of every EDF header field: the fixed part, then each signal's."""
    fields = [(0, 8), (8, 80), (88, 80), (168, 8), (176, 8), (184, 8), (192, 44), (236, 8)]
    fields += [(244, 8), (252, 4)]
    ns, offset = 65, 256
    for width in (16, 80, 8, 8, 8, 8, 8, 80, 8, 32):
        fields += [(offset + i * width, width) for i in range(0, ns, 8)] + [
            (offset + (ns - 1) * width, width)
        ]
        offset += ns * width
    return fields


FIELD_VALUES = ["0", "-1", "1", "99999999", "1e308", "-1e308", "nan", "abc", "", "3.5", "\xff"]
FILE_MODES = {
    "valid": "the file unchanged",
    "truncated": "cut at a random byte (header or data)",
    "field": "one header field overwritten (0, -1, huge, nan, text, empty)",
    "magic": "wrong magic bytes",
    "random": "random bytes",
    "bitflip": "random bytes of the body overwritten",
    "empty": "an empty file",
    "extension": "valid content under another extension",
    "missing": "a path that does not exist",
    "directory": "a directory",
}


@dataclass(frozen=True)
class EdfCase:
    """A file for the EEG readers: the small EDF with one change (bytes built on demand).

    Unpacks as ``(mode, data, ext)``; its repr shows the change, not the bytes.
    """

    mode: str
    change: tuple = ()
    ext: str = ".edf"

    @property
    def data(self) -> bytes:
        data = bytearray(_small_edf())
        if self.mode == "truncated":
            data = data[: self.change[0]]
        elif self.mode == "field":
            offset, width, value = self.change
            data[offset : offset + width] = value.encode("latin-1").ljust(width)[:width]
        elif self.mode == "magic":
            data[:8] = self.change[0]
        elif self.mode == "random":
            data = bytearray(np.random.default_rng(self.change[0]).bytes(3000))
        elif self.mode == "bitflip":
            rng = np.random.default_rng(self.change[0])
            for position in rng.integers(8, len(data), self.change[1]):
                data[position] = rng.integers(0, 256)
        elif self.mode == "empty":
            data = bytearray()
        return bytes(data)

    def __iter__(self):
        return iter((self.mode, self.data, self.ext))


@st.composite
def edf_files(draw):
    """Draw an :class:`EdfCase` for an EEG reader."""
    mode = draw(st.sampled_from([m for m in FILE_MODES for _ in range(3 if m == "field" else 1)]))
    if mode == "truncated":
        size = len(_small_edf())
        cut = st.one_of(st.integers(0, EDF_HEADER_BYTES), st.integers(EDF_HEADER_BYTES, size))
        return EdfCase(mode, (draw(cut),))
    if mode == "field":
        offset, width = draw(st.sampled_from(_edf_fields()))
        return EdfCase(mode, (offset, width, draw(st.sampled_from(FIELD_VALUES))))
    if mode == "magic":
        magic = draw(st.sampled_from([b"1       ", b"\xffBIOSEMI", b"GDF 2.10", b"\x00" * 8]))
        return EdfCase(mode, (magic,))
    if mode == "random":
        return EdfCase(mode, (draw(st.integers(0, 2**16)),))
    if mode == "bitflip":
        return EdfCase(mode, (draw(st.integers(0, 2**16)), draw(st.integers(1, 50))))
    if mode == "extension":
        ext = draw(st.sampled_from([".bdf", ".gdf", ".fif", ".vhdr", ".set", ".xyz", ""]))
        return EdfCase(mode, (), ext)
    return EdfCase(mode)


def _write(tmp, mode, data, name):
    path = Path(tmp) / name
    if mode == "missing":
        return path.with_name("missing_" + name)
    if mode == "directory":
        if path.is_file():
            path.unlink()
        path.mkdir(exist_ok=True)
        return path
    if path.is_dir():
        path.rmdir()
    path.write_bytes(data)
    return path


@target("read_raw", "neuropipe.io.eeg", "EDF files: " + ", ".join(FILE_MODES))
@strategy(edf_files())
def check_read_raw(case, tmp):
    from neuropipe.io import read_raw

    mode, data, ext = case
    out = Outcome("read_raw", mode)
    ok, raw = out.call(read_raw, _write(tmp, mode, data, "rec" + ext))
    if mode == "valid":
        assert ok, f"read_raw refused the valid file: {raw}"
    if ok:
        values = raw.get_data()
        assert values.size > 0
        out.finite(values, "signal")


@target("read_epochs", "neuropipe.io.eeg", "EDF files as for read_raw; events, window, band")
@strategy(
    st.tuples(
        edf_files(),
        st.fixed_dictionaries(
            {
                "event_map": mostly(
                    [{"T1": "left", "T2": "right"}], [{}, {"T9": "x"}, {"T1": "l", "T9": "x"}]
                ),
                "tmin": mostly([0.0, 0.5], [-1.0, 3.0, 20.0]),
                "tmax": mostly([1.0, 2.5], [0.5, 50.0]),
                "l_freq": mostly([None, 8.0], [100.0, -1.0]),
                "h_freq": mostly([None, 30.0, 79.9], [200.0]),
            }
        ),
    )
)
def check_read_epochs(case, tmp):
    from neuropipe.io import read_epochs

    edf, p = case
    mode, data, ext = edf
    out = Outcome("read_epochs", mode)
    path = _write(tmp, mode, data, "rec" + ext)
    ok, epochs = out.call(read_epochs, path, p["event_map"], p["tmin"], p["tmax"],
                          l_freq=p["l_freq"], h_freq=p["h_freq"])  # fmt: skip
    if ok:
        assert len(epochs) == len(epochs.y) > 0
        out.finite(epochs.X, "epochs")


@st.composite
def text_tables(draw):
    mode = draw(st.sampled_from(["valid", "nonfinite", "text", "ragged", "binary", "empty"]))
    rng = np.random.default_rng(draw(st.integers(0, 2**16)))
    rows, cols = draw(st.integers(1, 8)), draw(st.integers(1, 4))
    table = rng.standard_normal((rows, cols)).round(3).astype(str)
    if mode == "nonfinite":
        table[rng.integers(rows), rng.integers(cols)] = draw(
            st.sampled_from(["nan", "inf", "-inf"])
        )
    elif mode == "text":
        table[rng.integers(rows), rng.integers(cols)] = draw(st.sampled_from(["abc", "", "1,2"]))
    lines = [",".join(row) for row in table]
    if mode == "ragged" and rows > 1:
        lines[-1] += ",0.5"
    if mode == "binary":
        return mode, rng.bytes(draw(st.integers(1, 200)))
    if mode == "empty":
        return mode, b""
    return mode, ("\n".join(lines) + "\n").encode()


@target("read_decoding_csv", "neuropipe.io.decoding", "CSV pairs: NaN, text, ragged, binary, empty")
@strategy(st.tuples(text_tables(), text_tables(), mostly(["valid"], ["missing", "directory"])))
def check_read_decoding_csv(case, tmp):
    from neuropipe.io.decoding import read_decoding_csv

    (x_mode, x_data), (y_mode, y_data), file_mode = case
    out = Outcome("read_decoding_csv", f"{x_mode}/{y_mode}/{file_mode}")
    x_path = _write(tmp, file_mode, x_data, "x.csv")
    y_path = _write(tmp, "valid", y_data, "z.csv")
    ok, result = out.call(read_decoding_csv, x_path, y_path)
    if ok:
        out.finite(result)
        assert result[0].shape[0] == result[1].shape[0]


@functools.lru_cache(maxsize=1)
def _small_mat() -> bytes:
    import io

    from scipy.io import savemat

    buffer = io.BytesIO()
    rng = np.random.default_rng(0)
    savemat(buffer, {"spikes": rng.poisson(2, (3, 40)), "handVel": rng.standard_normal((3, 40))})
    return buffer.getvalue()


@target("read_decoding_mat", "neuropipe.io.decoding", "MATLAB files: " + ", ".join(FILE_MODES))
@strategy(
    st.tuples(
        st.sampled_from([m for m in FILE_MODES if m not in ("field", "magic")]),
        st.integers(0, 2**16),
        st.sampled_from([("spikes", "handVel")] * 3 + [("nope", "handVel"), ("spikes", "x")]),
        st.sampled_from([None, [0, 1], [5]]),
    )
)
def check_read_decoding_mat(case, tmp):
    from neuropipe.io.decoding import read_decoding_mat

    mode, seed, (features, states), rows = case
    rng = np.random.default_rng(seed)
    data = bytearray(_small_mat())
    if mode == "truncated":
        data = data[: rng.integers(0, len(data))]
    elif mode == "random":
        data = bytearray(rng.bytes(500))
    elif mode == "bitflip":
        for position in rng.integers(0, len(data), 20):
            data[position] = rng.integers(0, 256)
    elif mode == "empty":
        data = bytearray()
    ext = ".txt" if mode == "extension" else ".mat"
    out = Outcome("read_decoding_mat", mode)
    path = _write(tmp, mode, bytes(data), "m" + ext)
    ok, result = out.call(
        read_decoding_mat, path, features=features, states=states, state_rows=rows
    )
    if ok:
        out.finite(result)


@functools.lru_cache(maxsize=1)
def _small_skops() -> bytes:
    from sklearn.discriminant_analysis import LinearDiscriminantAnalysis
    from sklearn.pipeline import make_pipeline

    from neuropipe.features.spectral import PSD
    from neuropipe.persistence import save
    from neuropipe.selection import R2Selector

    rng = np.random.default_rng(0)
    X, y = rng.standard_normal((12, 2, 64)), np.repeat([0, 1], 6)
    pipe = make_pipeline(PSD(64.0, method="welch"), R2Selector(k=2), LinearDiscriminantAnalysis())
    path = Path(tempfile.mkdtemp()) / "model.skops"
    save(pipe.fit(X, y), path)
    return path.read_bytes()


def _mutate_schema(data: bytes, rng) -> bytes:
    """Change one value of the schema.json inside a skops zip (types, keys, content)."""
    import io
    import zipfile

    src = zipfile.ZipFile(io.BytesIO(data))
    schema = json.loads(src.read("schema.json"))
    nodes = [schema]
    for node in nodes:
        children = node.values() if isinstance(node, dict) else node
        nodes += [c for c in children if isinstance(c, (dict, list))]
    node = nodes[rng.integers(len(nodes))]
    keys = list(node) if isinstance(node, dict) else list(range(len(node)))
    if keys:
        key = keys[rng.integers(len(keys))]
        node[key] = [None, 0, -1, "os", "system", [], {}, "builtins.eval"][rng.integers(8)]
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as dst:
        for item in src.namelist():
            body = json.dumps(schema) if item == "schema.json" else src.read(item)
            dst.writestr(item, body)
    return buffer.getvalue()


@target(
    "persistence.load",
    "neuropipe.persistence",
    "skops files: schema edits and " + ", ".join(FILE_MODES),
)
@strategy(
    st.tuples(
        st.sampled_from([m for m in FILE_MODES if m != "field"] + ["schema"] * 3),
        st.integers(0, 2**16),
    )
)
def check_persistence_load(case, tmp):
    from neuropipe.persistence import load

    mode, seed = case
    rng = np.random.default_rng(seed)
    data = _small_skops()
    if mode == "truncated":
        data = data[: rng.integers(0, len(data))]
    elif mode == "schema":
        data = _mutate_schema(data, rng)
    elif mode == "magic":
        data = b"\x80\x04\x95" + data[3:]
    elif mode == "random":
        data = rng.bytes(1000)
    elif mode == "bitflip":
        data = bytearray(data)
        for position in rng.integers(4, len(data), 10):
            data[position] = rng.integers(0, 256)
        data = bytes(data)
    elif mode == "empty":
        data = b""
    out = Outcome("persistence.load", mode)
    ok, _ = out.call(load, _write(tmp, mode, data, "model.skops"))
    if mode in ("valid", "extension"):
        assert ok


@target("load_pipeline_file", "neuropipe.benchmark.pipeline_files", "pipeline files with bad PIPELINE")
@strategy(
    st.tuples(
        st.sampled_from(
            [
                "PIPELINE = {'name': 'x', 'paradigms': ['LeftRightImagery'], 'pipeline': LDA()}",
                "PIPELINE = {'name': 'x', 'paradigms': [], 'pipeline': 3}",
                "PIPELINE = {'name': 'x'}",
                "PIPELINE = [{'name': 'x', 'paradigms': ['p'], 'pipeline': LDA()}, 5]",
                "PIPELINE = 'pipeline'",
                "PIPELINE = None",
                "OTHER = 1",
                "",
            ]
        ),
        mostly([".py"], [".txt", ".yml", ""]),
        mostly(["valid"], ["missing", "directory"]),
    )
)
def check_load_pipeline_file(case, tmp):
    from neuropipe.benchmark.pipeline_files import load_pipeline_file

    body, ext, mode = case
    source = "from sklearn.discriminant_analysis import LinearDiscriminantAnalysis as LDA\n" + body
    out = Outcome("load_pipeline_file", f"{mode}{ext}")
    ok, configs = out.call(load_pipeline_file, _write(tmp, mode, source.encode(), "pipe" + ext))
    if ok:
        assert all({"name", "paradigms", "pipeline"} <= set(c) for c in configs)


@functools.lru_cache(maxsize=1)
def _clinical_model():
    from neuropipe.clinical import fit_recording

    folder = ROOT / "data" / "eegmmidb" / "S001"
    return fit_recording(
        ROOT / "pipelines" / "psd_lda.py",
        [folder / "S001R04.edf", folder / "S001R08.edf"],
        {"T1": "left", "T2": "right"},
        0.5,
        2.5,
        l_freq=8.0,
        h_freq=30.0,
    )


@target("predict_recording", "neuropipe.clinical", "recordings as for read_raw; event keys")
@strategy(
    st.tuples(
        edf_files(),
        st.sampled_from([None, None, ["T1"], ["T0", "T1", "T2"], [], ["T9"]]),
    )
)
def check_predict_recording(case, tmp):
    from neuropipe.clinical import predict_recording

    edf, events = case
    mode, data, ext = edf
    out = Outcome("predict_recording", mode)
    path = _write(tmp, mode, data, "rec" + ext)
    ok, table = out.call(predict_recording, _clinical_model(), path, events=events)
    if ok:
        assert len(table) > 0 and set(table["label"]) <= {"left", "right"}
        out.finite(table[["proba_left", "proba_right"]].to_numpy(), "probabilities")


@target(
    "read_roi_timeseries",
    "neuropipe.io.fmri",
    "text, gzip and .npy tables: NaN, text, ragged, binary",
)
@strategy(
    st.tuples(
        text_tables(),
        st.sampled_from([".csv", ".1D", ".tsv", ".txt", ".npy", ".csv.gz", ".1D.gz", ".mat"]),
        st.sampled_from(["valid"] * 4 + ["missing", "directory"]),
    )
)
def check_read_roi_timeseries(case, tmp):
    import gzip

    fmri = _optional("neuropipe.io.fmri")
    (table_mode, data), ext, mode = case
    if ext.startswith(".1D") or ext == ".txt":
        data = data.replace(b",", b" ")
    elif ext == ".tsv":
        data = data.replace(b",", b"\t")
    if ext.endswith(".gz") and table_mode != "binary":
        data = gzip.compress(data)
    out = Outcome("read_roi_timeseries", f"{table_mode}{ext}/{mode}")
    ok, result = out.call(fmri.read_roi_timeseries, _write(tmp, mode, data, "sub01" + ext))
    if ok and table_mode == "valid":
        assert result.ndim == 2
        out.finite(result)


# ---------------------------------------------------------------------------------------
# Dataset specs (TOML, BIDS), results tables and sizes (issue 28, item 8)
# ---------------------------------------------------------------------------------------

#: Values drawn for each field of a TOML dataset spec: valid ones three times as often.
TOML_FIELDS = {
    "paradigm": (['"LeftRightImagery"', '["LeftRightImagery", "MotorImagery"]'],
                 ['"Left"', "3", "[]"]),
    "interval": (["[0.0, 2.0]", "[-0.5, 1.0]"],
                 ["[2.0, 0.0]", '["a", 1]', "[1.0]", "[0, 0]", "2.0", "[nan, 1.0]", "[true, 2]",
                  "[0.0, 40.0]"]),
    "band": ([None, "[8.0, 30.0]"], ["[30.0, 8.0]", "[-1.0, 8.0]", '"8-30"', "[8.0, 200.0]"]),
    "events": (['{ T1 = "left", T2 = "right" }', "{ T1 = 3 }"],
               ['{ T9 = "x" }', "{}", '{ T1 = "" }', '"T1"', '{ T1 = "left", T7 = "right" }']),
    "picks": ([None, '["C3", "Cz", "C4"]'], ['"C3"', "[]", '["Nope"]', "[1, 2]"]),
    "subjects": (['{ 1 = ["rec.edf"] }', '{ 1 = { A = ["rec.edf"], B = ["r*.edf"] } }'],
                 ['{ 1 = ["rec.edf"], S01 = ["rec.edf"] }', "{ 1 = [] }", '{ 1 = ["none.edf"] }',
                  "{ 1 = [3] }", '{ 1 = ["*.xyz"] }', "{}"]),
    "extra": ([None], ["nonsense = 1", 'on_ch_mismatch = "reorder"', "name = 3", "[[["]),
}  # fmt: skip


@st.composite
def toml_specs(draw):
    """Draw ``(mode, text)``: a TOML spec with one or two fields drawn from TOML_FIELDS."""
    values, bad = {}, []
    for key, (valid, invalid) in TOML_FIELDS.items():
        values[key] = draw(mostly(valid, invalid))
        if values[key] in invalid:
            bad.append(key)
    lines = [f"{k} = {v}" for k, v in values.items() if v is not None and k != "extra"]
    if values["extra"] is not None:
        lines.insert(0, values["extra"])
    return ("valid" if not bad else "+".join(bad)), "\n".join(lines) + "\n"


@target(
    "TOMLDataset",
    "neuropipe.datasets.user",
    "TOML specs: each field valid or malformed (types, order, unknown paradigm, absent "
    "events, clashing subject labels, missing / empty / non-string files, unknown keys, "
    "syntax errors)",
)
@strategy(toml_specs())
def check_toml_dataset(case, tmp):
    from neuropipe.datasets import get_dataset

    mode, text = case
    (Path(tmp) / "rec.edf").write_bytes(_small_edf())
    path = Path(tmp) / "spec.toml"
    path.write_text(text)
    out = Outcome("TOMLDataset", mode)
    ok, dataset = out.call(get_dataset, str(path))
    if not ok:
        return
    assert not set(mode.split("+")) & {"subjects", "paradigm", "events"}, (
        f"TOMLDataset accepted a malformed spec ({mode}):\n{text}"
    )
    assert len(set(dataset.subjects)) == len(dataset.subjects)
    ok, data = out.call(dataset.load, subjects=dataset.subjects[:1])
    if ok:
        assert len(data) > 0 and set(data.y) <= {"left", "right", "3"}
        out.finite(data.X, "epochs")


@functools.lru_cache(maxsize=1)
def _bids_template() -> Path:
    """A BIDS root (one subject, one run) made from the small EDF by mne_bids."""
    import mne
    from mne_bids import BIDSPath, write_raw_bids

    folder = Path(tempfile.mkdtemp(prefix="neuropipe_fuzz_bids_"))
    (folder / "rec.edf").write_bytes(_small_edf())
    raw = mne.io.read_raw_edf(folder / "rec.edf", verbose="ERROR")
    root = folder / "root"
    path = BIDSPath(subject="001", task="mi", run=1, root=root, datatype="eeg")
    write_raw_bids(raw, path, verbose=False, overwrite=True)
    return root


@dataclass(frozen=True)
class BidsCase:
    """Changes made to a copy of the BIDS template (its repr shows them)."""

    na_onsets: int = 0
    bads: tuple = ()
    rename: bool = False
    on_ch_mismatch: object = None
    clash: bool = False
    truncate: float = 1.0
    events: str = "T1 T2"

    @property
    def mode(self) -> str:
        changes = [k for k, v in vars(self).items() if v != vars(BidsCase())[k]]
        return "+".join(changes) or "valid"


@st.composite
def bids_cases(draw):
    return BidsCase(
        na_onsets=draw(mostly([0], [1, 2, 5])),
        bads=tuple(draw(st.lists(st.sampled_from(["C3..", "Cz..", "Oz.."]), max_size=2))),
        rename=draw(mostly([False], [True])),
        on_ch_mismatch=draw(mostly([None], ["raise", "reorder", "rename", "warn", "fix", 3])),
        clash=draw(mostly([False], [True])),
        truncate=draw(mostly([1.0], [0.5, 0.9, 0.01])),
        events=draw(mostly(["T1 T2"], ["T9", "T1 T7"])),
    )


def _edit_tsv(path, edit):
    import pandas as pd

    table = pd.read_csv(path, sep="\t", dtype=str, keep_default_na=False)
    edit(table)
    table.to_csv(path, sep="\t", index=False)


@target(
    "BIDSDataset",
    "neuropipe.datasets.user",
    "a BIDS copy: n/a onsets, channels.tsv bad or renamed channels, on_ch_mismatch values, "
    "clashing subject labels, truncated recordings, absent events",
    share=0.25,
)
@strategy(bids_cases())
def check_bids_dataset(case, tmp):
    import shutil

    from neuropipe.datasets import BIDSDataset

    root = Path(tmp) / "bids"
    shutil.rmtree(root, ignore_errors=True)
    shutil.copytree(_bids_template(), root)
    eeg = root / "sub-001" / "eeg"
    events = [e for e in case.events.split()]
    labels = dict(zip(events, ["left", "right"]))
    (root / "neuropipe.toml").write_text(
        'paradigm = "LeftRightImagery"\ninterval = [0.0, 2.0]\n[events]\n'
        + "".join(f'{k} = "{v}"\n' for k, v in labels.items())
    )
    if case.na_onsets:

        def na(table):
            rows = table.index[table["trial_type"].isin(["T1", "T2"])][: case.na_onsets]
            table.loc[rows, "onset"] = "n/a"

        _edit_tsv(next(eeg.glob("*_events.tsv")), na)
    if case.bads or case.rename:

        def channels(table):
            table.loc[table["name"].isin(case.bads), "status"] = "bad"
            if case.rename:
                table.loc[5, "name"] = "Renamed"

        _edit_tsv(next(eeg.glob("*_channels.tsv")), channels)
    if case.truncate < 1:
        edf = next(eeg.glob("*_eeg.edf"))
        edf.write_bytes(edf.read_bytes()[: int(edf.stat().st_size * case.truncate)])
    if case.clash:
        shutil.copytree(root / "sub-001", root / "sub-1")
        for old in (root / "sub-1").rglob("sub-001*"):
            old.rename(old.with_name(old.name.replace("sub-001", "sub-1")))
    out = Outcome("BIDSDataset", case.mode)
    ok, dataset = out.call(BIDSDataset, root, on_ch_mismatch=case.on_ch_mismatch)
    if not ok:
        return
    assert not case.clash and case.events == "T1 T2", f"BIDSDataset accepted {case}"
    ok, data = out.call(dataset.load)
    if not ok:
        return
    assert not case.rename or case.on_ch_mismatch in ("rename", "reorder", "warn")
    out.finite(data.X, "epochs")
    standard = {"C3..": "C3", "Cz..": "Cz", "Oz..": "Oz"}
    if case.on_ch_mismatch != "warn":  # "warn" ignores channels.tsv, its bads too
        assert not {standard[c] for c in case.bads} & set(data.ch_names), "bad channels used"
    assert len(data) <= 2 - min(case.na_onsets, 2) + 0  # T1 and T2 once each in 13 s


@st.composite
def results_tables(draw):
    """Draw ``(mode, table)``: a results table with rows damaged or repeated."""
    import pandas as pd

    n = draw(st.integers(0, 12))
    rng = np.random.default_rng(draw(st.integers(0, 2**16)))
    scoring = draw(st.sampled_from(["roc_auc", "accuracy", "r2", "other"]))
    table = pd.DataFrame(
        {
            "dataset": "d",
            "evaluation": "WithinSession",
            "pipeline": rng.choice(["a", "b", "NA"], n),
            "subject": rng.integers(1, 4, n),
            "session": "0",
            "scoring": scoring,
            "score": rng.uniform(0, 1, n),
            "chance": 0.5,
        }
    )
    modes = draw(st.lists(st.sampled_from(["nan", "inf", "range", "repeat", "clash", "chance"])))
    for mode in modes:
        if table.empty:
            break
        i = int(rng.integers(0, len(table)))
        if mode in ("nan", "inf", "range", "chance"):
            column = "chance" if mode == "chance" else "score"
            value = {"nan": np.nan, "inf": -np.inf, "range": 7.5, "chance": np.inf}[mode]
            table.loc[table.index[i], column] = value
        else:
            extra = table.iloc[[i]]
            table = pd.concat([table, extra.assign(score=0.123) if mode == "clash" else extra])
    return "+".join(modes) or "valid", table


@target(
    "usable_rows",
    "neuropipe.report.checks",
    "results tables: NaN, infinite or out-of-range scores, infinite chance, repeated and "
    "conflicting keys",
)
@strategy(results_tables())
def check_usable_rows(case):
    from neuropipe.report.checks import KEY_COLUMNS, SCORE_RANGES, usable_rows

    mode, table = case
    out = Outcome("usable_rows", mode)
    ok, result = out.call(usable_rows, table, "results.csv")
    assert ok, result
    rows, problems = result
    score = rows["score"].to_numpy(dtype=float)
    assert np.all(np.isfinite(score)) and np.all(np.isfinite(rows["chance"]))
    low, high = SCORE_RANGES.get(table["scoring"].iloc[0] if len(table) else "", (-1e300, 1e300))
    assert np.all((score >= low) & (score <= high))
    assert not rows.duplicated([c for c in KEY_COLUMNS if c in rows]).any()
    said = sum(int(re.search(r": (\d+) row", p).group(1)) for p in problems)
    assert said == len(table) - len(rows), (problems, len(table), len(rows))


@st.composite
def size_cases(draw):
    step = draw(st.sampled_from(["lag_features", "augmented", "graphs", "connectivity"]))
    if step == "lag_features":
        return (
            step,
            (draw(st.integers(1, 200)), draw(st.integers(1, 20))),
            draw(st.integers(0, 5000)),
        )
    if step == "augmented":
        channels, order = draw(st.integers(1, 16)), draw(st.integers(1, 200))
        return step, (2, channels, order + 2 + draw(st.integers(0, 50))), order
    if step == "graphs":
        return step, (2, 20, draw(st.integers(2, 600))), None
    return step, (2, draw(st.integers(2, 400)), 64), None


#: The memory budget while the size cases run: small, so random sizes cross it cheaply.
SIZE_BUDGET = 4 * 2**20


@target(
    "memory guards",
    "neuropipe._validation",
    "lag_features, augmented_covariances, ConnectivityGraph and spectral_connectivity on "
    "random sizes around a 4 MB budget",
)
@strategy(size_cases())
def check_memory_guards(case):
    from neuropipe._validation import MemoryBudgetError
    from neuropipe.decoders import lag_features
    from neuropipe.features import augmented_covariances
    from neuropipe.features.connectivity import spectral_connectivity
    from neuropipe.features.graph import ConnectivityGraph

    step, shape, parameter = case
    X = np.random.default_rng(0).standard_normal(shape)
    calls = {
        "lag_features": lambda: lag_features(X, bins_before=parameter),
        "augmented": lambda: augmented_covariances(X, order=parameter, estimator="oas"),
        "graphs": lambda: ConnectivityGraph(kind="correlation").fit_transform(list(X)),
        "connectivity": lambda: spectral_connectivity(X, 64.0, metric="coh", fmin=8, fmax=12),
    }
    out = Outcome("memory guards", step)
    saved = os.environ.get("NEUROPIPE_MEMORY_BUDGET")
    os.environ["NEUROPIPE_MEMORY_BUDGET"] = str(SIZE_BUDGET)
    try:
        ok, result = out.call(calls[step])
    finally:
        if saved is None:
            del os.environ["NEUROPIPE_MEMORY_BUDGET"]
        else:
            os.environ["NEUROPIPE_MEMORY_BUDGET"] = saved
    if ok:
        result = result[0] if isinstance(result, tuple) else result  # (con, freqs)
        assert result.nbytes <= SIZE_BUDGET, f"{step}: {result.nbytes} bytes passed the budget"
    else:
        assert isinstance(result, MemoryBudgetError) or step == "augmented", result


@pytest.fixture(scope="module")
def warm_up(tmp_path_factory):
    """Pay one-off costs (imports, cached files, the clinical model) outside the deadline."""
    import mne.time_frequency  # noqa: F401  (multitaper)
    import nilearn.connectome  # noqa: F401
    import scipy.io  # noqa: F401
    import skops.io  # noqa: F401

    from neuropipe.io import read_raw

    path = tmp_path_factory.mktemp("warm") / "rec.edf"
    path.write_bytes(_small_edf())
    read_raw(path)
    _small_mat(), _small_skops(), _clinical_model()


@pytest.mark.parametrize("tgt", TARGETS, ids=lambda t: t.name)
def test_fuzz(tgt, tmp_path, warm_up):
    takes_tmp = "tmp" in inspect.signature(tgt.check).parameters

    @settings(FUZZ, max_examples=max(1, int(FUZZ.max_examples * tgt.share)))
    @given(case=tgt.strategy)
    def run(case):
        tgt.check(case, tmp_path) if takes_tmp else tgt.check(case)

    run()


@pytest.mark.xfail(strict=True, reason="a reported bug (KNOWN_ISSUES): delete it once fixed")
@pytest.mark.parametrize("issue", sorted(KNOWN_ISSUES))
def test_known_issue(issue):
    """Each reported bug still reproduces; once fixed this XPASSes and fails the run."""
    entry = KNOWN_ISSUES[issue]
    namespace = {"np": np}
    exec(entry.setup, namespace)
    out = Outcome(f"known:{issue}", "reproducer")
    ok, result = out.call(eval, entry.call, namespace)
    if ok:  # (not ok: a clear error, which is a fix too)
        out.finite(result)
