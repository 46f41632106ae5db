"""Resting-state fMRI at the edge: images and ROI files become ``(n_timepoints, n_rois)`` arrays.

Two ways in:

- :func:`extract_roi_timeseries` runs a nilearn masker on 4-D NIfTI images with an atlas
  (a 3-D label image, a 4-D probabilistic map image or seed coordinates), with confound
  regression, detrending, filtering and standardisation options passed to the masker.
- :func:`read_roi_timeseries` / :func:`load_roi_timeseries` read precomputed ROI time
  series (``.1D``, ``.csv``, ``.tsv``, ``.txt``, ``.npy``, each optionally gzipped), such
  as the Preprocessed Connectomes Project ``rois_cc200`` files.

Everything downstream (:mod:`neuropipe.features.graph`) takes the list of arrays these
return, one per subject.
"""

from __future__ import annotations

import gzip
import io
import os
import zlib
from pathlib import Path

import numpy as np

from .._validation import DataFileError, MemoryBudgetError, check_option, memory_budget

__all__ = ["read_roi_timeseries", "load_roi_timeseries", "extract_roi_timeseries"]

_TEXT_DELIMITERS = {".1d": None, ".txt": None, ".csv": ",", ".tsv": "\t"}
_FORMATS = [".1D", ".csv", ".tsv", ".txt", ".npy"]
_NPY_MAGIC = b"\x93NUMPY"


def _format(fname: Path) -> tuple[str, bool]:
    suffixes = [s.lower() for s in fname.suffixes]
    gzipped = bool(suffixes) and suffixes[-1] == ".gz"
    if gzipped:
        suffixes = suffixes[:-1]
    ext = suffixes[-1] if suffixes else ""
    allowed = [s.lower() for s in _FORMATS]
    if ext not in allowed:
        raise ValueError(
            f"Cannot read {str(fname)!r}: unknown ROI time-series format {ext or '(none)'!r}. "
            f"Allowed extensions are {', '.join(_FORMATS)} (optionally followed by .gz)."
        )
    return ext, gzipped


#: Tokens read as a missing value (NaN) in text tables, compared case-insensitively;
#: an empty field of a CSV / TSV row is missing too.
MISSING_VALUES = ("na", "nan", "n/a", "null", "none", "")


def _number(token: str) -> float | None:
    """The token's value, NaN for a missing-value marker, None if it is not a number."""
    try:
        return float(token)
    except ValueError:
        return np.nan if token.strip().lower() in MISSING_VALUES else None


def _tokens(line: str, delimiter: str | None) -> list[str]:
    return [t.strip() for t in line.split(delimiter)]


def _first_line_is_header(line: str, delimiter: str | None, fname: Path) -> bool:
    """``header="auto"``: names if it starts with ``#`` or holds no number, data if only
    numbers and missing values; a mix of both is ambiguous and refused."""
    if line.lstrip().startswith("#"):
        return True
    tokens = _tokens(line, delimiter)
    values = [_number(t) for t in tokens]
    words = [t for t, v in zip(tokens, values) if v is None]
    if not words:
        return False
    numbers = [t for t, v in zip(tokens, values) if v is not None and not np.isnan(v)]
    if not numbers:
        return True
    raise DataFileError(
        f"Cannot tell whether the first line of {str(fname)!r} is a header or data: "
        f"{words[:3]} are not numbers but {numbers[:3]} are. Pass header=True if the line "
        f"holds ROI names, or header=False if it is the first time point (then fix the "
        f"values that are not numbers; NA, NaN or an empty field mean a missing value)."
    )


def _parse_rows(rows: list[tuple[int, str]], fname: Path, delimiter: str | None) -> np.ndarray:
    """Parse numeric rows; NA / NaN / empty fields become NaN; errors name the line."""
    try:
        return np.loadtxt([line for _, line in rows], delimiter=delimiter, ndmin=2)
    except ValueError:
        pass  # missing-value markers, or a real problem: parse token by token
    data, width = [], None
    for number, line in rows:
        tokens = _tokens(line, delimiter)
        values = [_number(t) for t in tokens]
        bad = [t for t, v in zip(tokens, values) if v is None]
        if bad:
            raise DataFileError(
                f"{str(fname)!r}, line {number}: {bad[0]!r} is not a number. Fix the value "
                f"(NA, NaN or an empty field mean a missing value)."
            )
        if width is not None and len(values) != width:
            raise DataFileError(
                f"{str(fname)!r}, line {number}: {len(values)} values, but the rows above "
                f"have {width}; every row must hold one value per ROI."
            )
        width = len(values)
        data.append(values)
    return np.asarray(data, dtype=np.float64)


def _parse_npy(content: bytes, fname: Path) -> np.ndarray:
    """Load a ``.npy`` file's bytes as float64, refusing pickles, text and complex data."""
    if not content.startswith(_NPY_MAGIC):
        raise DataFileError(
            f"{str(fname)!r} is not a NumPy .npy file (it does not start with "
            f"{_NPY_MAGIC!r}); save it with numpy.save, or give a text file its own extension."
        )
    try:
        data = np.load(io.BytesIO(content), allow_pickle=False)
    except (ValueError, OSError, EOFError) as exc:
        raise DataFileError(
            f"Could not read {str(fname)!r} as a NumPy .npy file: {exc}. It is truncated or "
            f"corrupt, or holds Python objects."
        ) from exc
    if data.dtype.kind not in "biuf":
        raise DataFileError(
            f"{str(fname)!r} holds an array of dtype {data.dtype}; ROI time series must be "
            f"real numbers."
        )
    return data.astype(np.float64, copy=False)


def _parse_text(content: bytes, fname: Path, delimiter: str | None, header):
    """Parse a text table's bytes: ``(data, names)``, names from a header line or None."""
    try:
        text = content.decode("utf-8-sig")  # a byte-order mark is not part of the first name
    except UnicodeDecodeError as exc:
        raise DataFileError(
            f"{str(fname)!r} is not a text table (it is binary or not UTF-8): {exc}."
        ) from exc
    lines = [(n, line) for n, line in enumerate(text.splitlines(), start=1) if line.strip()]
    names, comment = None, False
    if lines:
        first = lines[0][1]
        is_header = header if isinstance(header, bool) else None
        if is_header is None:
            is_header = _first_line_is_header(first, delimiter, fname)
        if is_header:
            lines.pop(0)
            comment = first.lstrip().startswith("#")
            names = [t.lstrip("#").strip() for t in first.split(delimiter)]
            names = [t for t in names if t] if delimiter is None else names
    body = [(n, line) for n, line in lines if not line.lstrip().startswith("#")]
    if not body:
        raise DataFileError(f"{str(fname)!r} holds no time points (no numeric rows).")
    data = _parse_rows(body, fname, delimiter)
    if comment and header == "auto" and len(names) != data.shape[1]:
        names = None  # a '#' comment line, not one name per column
    return data, names


#: Text tables cost several times their size while parsed: a gzipped one may expand to at
#: most this fraction of :func:`~neuropipe._validation.memory_budget` (256 MB by default).
TEXT_EXPANSION_SHARE = 16


def _gunzip(content: bytes, fname: Path, ext: str) -> bytes:
    """Decompress every gzip member of ``content``, refusing to expand past the cap."""
    limit = memory_budget() // (1 if ext == ".npy" else TEXT_EXPANSION_SHARE)
    parts, size = [], 0
    while True:
        if content[:2] != b"\x1f\x8b":
            raise gzip.BadGzipFile(f"Not a gzipped file ({content[:2]!r})")
        stream = zlib.decompressobj(16 + zlib.MAX_WBITS)
        part = stream.decompress(content, limit - size + 1)
        size += len(part)
        if size > limit:
            raise MemoryBudgetError(
                f"{str(fname)!r} expands to more than {limit / 2**20:.0f} MB when "
                f"decompressed (over {limit // max(len(content), 1)} times its "
                f"{len(content)} bytes): a damaged or hostile file, or a table too large to "
                f"read whole. Check the file, or raise NEUROPIPE_MEMORY_BUDGET (e.g. '16G') "
                f"if it is genuine."
            )
        if not stream.eof:
            raise EOFError("compressed file ended before the end-of-stream marker was reached")
        parts.append(part)
        content = stream.unused_data.lstrip(b"\0")  # a next member, or trailing padding
        if not content:
            return b"".join(parts)


def read_roi_timeseries(fname, *, header="auto", return_names: bool = False):
    """Read one subject's ROI time series from a file.

    Parameters
    ----------
    fname : str | path-like
        A ``.1D`` / ``.txt`` (whitespace-separated, AFNI style), ``.csv``, ``.tsv`` or
        ``.npy`` file, or any of them gzipped (``.1D.gz``...). Text files have one row per
        time point and one column per ROI, and may start with a line of ROI names
        (``#1 #2 ...`` in PCP files, or ``roi_a,roi_b`` in a CSV). ``NA``, ``NaN``,
        ``N/A``, ``null``, ``none`` (any case) and empty CSV / TSV fields are missing
        values (NaN). A UTF-8 byte-order mark is ignored. Later lines starting with
        ``#`` are comments.
    header : "auto" | bool
        Whether the first non-empty line holds ROI names. ``True``: it does;
        ``False``: it is the first time point. ``"auto"`` decides from the line alone:
        names if it starts with ``#`` or holds no number at all, data if it holds only
        numbers and missing values; a line mixing numbers and other words (a header
        with a numeric name, or data with a typo) is refused as ambiguous, so a time
        point is never dropped silently. Numeric ROI names without ``#`` (``1,2,3``)
        read as data under ``"auto"``: pass ``header=True``.
    return_names : bool
        Also return the ROI names (from the header, else ``'roi0'``, ``'roi1'``...).

    Returns
    -------
    timeseries : ndarray of float64, shape (n_timepoints, n_rois)
        NaN values are returned as read; estimators reject them with a clear error.
    names : list of str, length n_rois
        Only if ``return_names``.

    Raises
    ------
    FileNotFoundError
        If ``fname`` does not exist.
    DataFileError
        If ``fname`` is a folder, or is empty, truncated, corrupt or not a numeric table
        (the message names the line and the value), or ``header="auto"`` cannot tell
        whether its first line is a header, or a header's names do not match the columns.
    ValueError
        If the extension is not one of the formats above, or ``header`` is invalid.

    Examples
    --------
    >>> import numpy as np, tempfile, os
    >>> path = os.path.join(tempfile.mkdtemp(), "sub01.csv")
    >>> with open(path, "w") as f:
    ...     _ = f.write("amygdala,insula\\n0.5,1.0\\n-0.5,2.0\\n")
    >>> ts, names = read_roi_timeseries(path, return_names=True)
    >>> ts.shape, names
    ((2, 2), ['amygdala', 'insula'])
    """
    if header not in ("auto", True, False):
        raise ValueError(f"'header' must be 'auto', True or False, got {header!r}.")
    fname = Path(os.fspath(fname))
    if not fname.exists():
        raise FileNotFoundError(f"ROI time-series file not found: {str(fname)!r}.")
    if fname.is_dir():
        raise DataFileError(f"{str(fname)!r} is a directory, not an ROI time-series file.")
    ext, gzipped = _format(fname)
    content = fname.read_bytes()
    try:
        content = _gunzip(content, fname, ext) if gzipped else content
    except (OSError, EOFError, zlib.error) as exc:  # BadGzipFile, truncated stream
        raise DataFileError(
            f"Could not decompress {str(fname)!r}: {type(exc).__name__}: {exc}. The file is "
            f"truncated or corrupt, or not gzipped despite its .gz extension."
        ) from exc
    if ext == ".npy":
        data, names = _parse_npy(content, fname), None
    else:
        data, names = _parse_text(content, fname, _TEXT_DELIMITERS[ext], header)
    if data.ndim == 1:
        data = data[:, np.newaxis]
    if data.ndim != 2:
        raise DataFileError(
            f"{str(fname)!r} holds an array of shape {data.shape}; expected 2-D "
            f"(n_timepoints, n_rois)."
        )
    if data.size == 0:
        raise DataFileError(
            f"{str(fname)!r} holds an empty array of shape {data.shape}; expected at least "
            f"one time point and one ROI."
        )
    if names is not None and len(names) != data.shape[1]:
        raise DataFileError(
            f"The header of {str(fname)!r} holds {len(names)} names but the rows hold "
            f"{data.shape[1]} values; fix the header, or pass header=False if the first "
            f"line is data."
        )
    if names is None:
        names = [f"roi{i}" for i in range(data.shape[1])]
    return (data, names) if return_names else data


def load_roi_timeseries(fnames, *, min_timepoints: int = 2, allow_nan: bool = False, header="auto"):
    """Read several subjects' ROI time-series files and check they fit together.

    Parameters
    ----------
    fnames : list of str | path-like
        One file per subject (any format :func:`read_roi_timeseries` reads).
    min_timepoints : int
        Files with fewer time points raise a ValueError.
    allow_nan : bool
        If False (default), a file with NaN or infinite values raises a ValueError naming it.
    header : "auto" | bool
        Whether each file's first line holds ROI names, see :func:`read_roi_timeseries`.

    Returns
    -------
    timeseries : list of ndarray, each shape (n_timepoints, n_rois)
        ``n_timepoints`` may differ between subjects; ``n_rois`` is the same.

    Examples
    --------
    >>> from neuropipe.datasets.abide import DEFAULT_PATH
    >>> files = sorted((DEFAULT_PATH / "rois_cc200").glob("OHSU*"))[:2]
    >>> [ts.shape for ts in load_roi_timeseries(files)]
    [(78, 200), (78, 200)]
    """
    fnames = [Path(os.fspath(f)) for f in fnames]
    if not fnames:
        raise ValueError("fnames is empty; give at least one ROI time-series file.")
    out = []
    for fname in fnames:
        ts = read_roi_timeseries(fname, header=header)
        if ts.shape[0] < min_timepoints:
            raise ValueError(
                f"{str(fname)!r} has {ts.shape[0]} time point(s); at least {min_timepoints} "
                f"are needed to estimate connectivity."
            )
        if ts.shape[1] != (out[0].shape[1] if out else ts.shape[1]):
            raise ValueError(
                f"{str(fname)!r} has {ts.shape[1]} ROIs but {str(fnames[0])!r} has "
                f"{out[0].shape[1]}; extract every subject with the same atlas."
            )
        if not allow_nan and not np.all(np.isfinite(ts)):
            rois = np.flatnonzero(~np.all(np.isfinite(ts), axis=0)).tolist()
            raise ValueError(
                f"{str(fname)!r} contains NaN or infinite values in ROI column(s) {rois}; "
                f"fix the file or pass allow_nan=True and interpolate before fitting."
            )
        out.append(ts)
    return out


def _make_masker(atlas, *, radius, mask_img, masker_kwargs):
    from nilearn import image, maskers

    if isinstance(atlas, (str, os.PathLike)) or hasattr(atlas, "get_fdata"):
        atlas_img = image.load_img(atlas)
        if atlas_img.ndim == 3:
            return maskers.NiftiLabelsMasker(atlas_img, mask_img=mask_img, **masker_kwargs)
        return maskers.NiftiMapsMasker(atlas_img, mask_img=mask_img, **masker_kwargs)
    seeds = np.asarray(atlas, dtype=float)
    if seeds.ndim != 2 or seeds.shape[1] != 3:
        raise ValueError(
            "atlas must be a 3-D label image, a 4-D maps image (file name or Nifti1Image) or "
            f"an array of MNI seed coordinates of shape (n_rois, 3), got shape {seeds.shape}."
        )
    return maskers.NiftiSpheresMasker(
        [tuple(s) for s in seeds], radius=radius, mask_img=mask_img, **masker_kwargs
    )


def extract_roi_timeseries(
    imgs,
    atlas,
    *,
    confounds=None,
    standardize=None,
    detrend: bool = False,
    low_pass: float | None = None,
    high_pass: float | None = None,
    t_r: float | None = None,
    radius: float | None = 5.0,
    mask_img=None,
):
    """Extract ROI time series from 4-D fMRI images with a nilearn masker.

    The masker is chosen from ``atlas``: a 3-D integer label image uses
    :class:`nilearn.maskers.NiftiLabelsMasker` (mean signal per label, labels in
    increasing order, background 0 excluded), a 4-D image of probabilistic maps uses
    :class:`~nilearn.maskers.NiftiMapsMasker`, an ``(n_rois, 3)`` array of MNI coordinates
    uses :class:`~nilearn.maskers.NiftiSpheresMasker` (spheres of ``radius`` mm). Cleaning
    (confound regression, detrending, filtering, standardisation) is nilearn's
    ``signal.clean`` with the options given here.

    Parameters
    ----------
    imgs : str | path-like | Nifti1Image | list of those
        One 4-D image (one subject) or a list of 4-D images (one per subject).
    atlas : str | path-like | Nifti1Image | array-like, shape (n_rois, 3)
        Label image, maps image, or seed coordinates.
    confounds : array-like, shape (n_timepoints, n_confounds) | str | DataFrame | list | None
        Nuisance regressors, one per image (a list when ``imgs`` is a list).
    standardize : {None, 'zscore_sample', 'zscore', 'psc'}
        Standardisation of each ROI signal, as in nilearn (default None: none, as in
        nilearn's maskers; connectivity estimators standardise again anyway).
    detrend : bool
        Remove a linear trend from each signal.
    low_pass, high_pass : float | None
        Band-pass cut-offs in Hz (require ``t_r``).
    t_r : float | None
        Repetition time in seconds.
    radius : float | None
        Sphere radius in mm, for coordinate atlases only.
    mask_img : str | Nifti1Image | None
        Optional brain mask restricting the voxels used.

    Returns
    -------
    timeseries : ndarray, shape (n_timepoints, n_rois) | list of those
        An array for one image, a list for a list of images.

    Examples
    --------
    >>> import nibabel as nib, numpy as np
    >>> labels = np.zeros((4, 4, 4), dtype=np.int16); labels[:2] = 1; labels[2:] = 2
    >>> signal = np.random.default_rng(0).standard_normal((4, 4, 4, 20))
    >>> img = nib.Nifti1Image(signal, np.eye(4))
    >>> extract_roi_timeseries(img, nib.Nifti1Image(labels, np.eye(4))).shape
    (20, 2)
    """
    check_option("standardize", standardize, [None, "zscore_sample", "zscore", "psc"])
    if (low_pass is not None or high_pass is not None) and t_r is None:
        raise ValueError(
            "low_pass / high_pass filtering needs the repetition time: pass t_r (seconds)."
        )
    single = not isinstance(imgs, (list, tuple))
    img_list = [imgs] if single else list(imgs)
    if not img_list:
        raise ValueError("imgs is empty; give at least one 4-D image.")
    if confounds is None:
        conf_list = [None] * len(img_list)
    elif single:
        conf_list = [confounds]
    else:
        conf_list = list(confounds)
        if len(conf_list) != len(img_list):
            raise ValueError(
                f"Got {len(img_list)} images but {len(conf_list)} confounds; give one "
                f"confounds table per image (or None)."
            )
    masker = _make_masker(
        atlas,
        radius=radius,
        mask_img=mask_img,
        masker_kwargs=dict(
            standardize=standardize,
            detrend=detrend,
            low_pass=low_pass,
            high_pass=high_pass,
            t_r=t_r,
        ),
    )
    masker.fit()
    out = [
        np.asarray(masker.transform(img, confounds=conf), dtype=np.float64)
        for img, conf in zip(img_list, conf_list)
    ]
    return out[0] if single else out
