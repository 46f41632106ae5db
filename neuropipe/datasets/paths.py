"""Where neuropipe finds its sample data and its shipped pipeline files.

Sample data resolves as MNE's and nilearn's do:

1. ``$NEUROPIPE_DATA`` when it is set (the only place looked in then: an explicit choice
   is never mixed with other copies);
2. otherwise the repository's ``data/`` folder when neuropipe runs from a clone;
3. then the per-user data folder, ``~/neuropipe_data``.

Each dataset folder carries a ``SHA256SUMS.txt``: the first time a process uses a folder,
every file it lists is hashed; a damaged file is an error, a missing one a warning (a
partial copy of a dataset is allowed, and said). A folder without data files (empty, or
only its ``SHA256SUMS.txt`` / ``PROVENANCE.md``) is not a copy: the search goes on past it.
A folder without ``SHA256SUMS.txt`` is used as it is, and :func:`data_status` calls it
``unverified`` (no checksums), never ``complete``. :func:`install_sample_data` copies
verified sample data from a clone (or an unpacked copy of its ``data/``) to the per-user
folder, so an installed neuropipe works from any folder.

Pipeline files: :func:`default_pipelines_dir` is ``./pipelines`` when it exists, else the
copy shipped inside the installed package (``neuropipe/_pipelines``, a mapping of the
repository's ``pipelines/``), else the clone's ``pipelines/``.

Examples
--------
>>> from neuropipe.datasets.paths import find_data, data_status
>>> (find_data("eegmmidb") / "PROVENANCE.md").exists()
True
>>> data_status("eegmmidb")["state"]
'complete'
"""

from __future__ import annotations

import os
import re
import shutil
import warnings
from importlib import resources
from pathlib import Path

import pooch

from .._validation import DataFileError

__all__ = [
    "DATA_ENV",
    "SAMPLE_DATA",
    "DataNotFoundError",
    "data_roots",
    "data_status",
    "default_pipelines_dir",
    "file_sha256",
    "find_data",
    "install_sample_data",
    "installed_pipelines_dir",
    "repository_root",
    "user_data_dir",
    "verify_folder",
]

#: Environment variable naming the data folder (as ``MNE_DATA`` / ``NILEARN_DATA``).
DATA_ENV = "NEUROPIPE_DATA"

#: Sample-data folders and the datasets they hold.
SAMPLE_DATA = {
    "eegmmidb": "eegmmidb-leftright, eegmmidb-handsfeet (PhysioNet EEGMMIDB)",
    "ssvep_exo": "ssvep-exo (SSVEP exoskeleton, Kalunga 2016)",
    "abide-pcp-cc200": "abide-pcp-cc200 (ABIDE PCP, CC200 ROI time series)",
    "flint2012": "flint2012 (monkey M1 spikes, CRCNS)",
    "stevenson2011": "stevenson2011 (monkey M1 spikes, DREAM)",
}

_PACKAGE = Path(__file__).resolve().parents[1]
_SUMS = "SHA256SUMS.txt"
# (folder, SHA256SUMS mtime and size) -> (missing, mismatched): each folder hashed once
_VERIFIED: dict = {}
_WARNED: set = set()


class DataNotFoundError(FileNotFoundError):
    """A sample dataset is in none of the places neuropipe looks for it."""


def repository_root() -> Path | None:
    """The root of the clone neuropipe runs from, or None for an installed package."""
    root = _PACKAGE.parent
    if (root / "pyproject.toml").is_file() and (root / "neuropipe").resolve() == _PACKAGE:
        return root
    return None


def user_data_dir() -> Path:
    """The per-user data folder, ``~/neuropipe_data`` (as ``~/mne_data``)."""
    return Path.home() / "neuropipe_data"


def data_roots() -> list[tuple[Path, str]]:
    """The folders searched for sample data, in order, each with where it comes from.

    Returns
    -------
    roots : list of (Path, str)
        ``[($NEUROPIPE_DATA, "NEUROPIPE_DATA")]`` when the variable is set; otherwise the
        clone's ``data/`` (when in a clone) and :func:`user_data_dir`.
    """
    env = os.environ.get(DATA_ENV)
    if env:
        return [(Path(env).expanduser(), DATA_ENV)]
    roots = []
    repo = repository_root()
    if repo is not None and (repo / "data").is_dir():
        roots.append((repo / "data", "repository data/"))
    roots.append((user_data_dir(), "per-user data folder"))
    return roots


def _roots(data_path=None) -> list[tuple[Path, str]]:
    """The roots a search looks in: ``data_path`` alone when given, else :func:`data_roots`."""
    if data_path is not None:
        return [(Path(data_path).expanduser(), "the data path given")]
    return data_roots()


def _how_to_get(name: str, data_path=None) -> str:
    if data_path is not None:
        return (
            f"Put the {name}/ folder in {str(Path(data_path).expanduser())!r} (a copy or a "
            f"link of data/{name} of a neuropipe source checkout), or give the data path "
            f"that holds it."
        )
    user = user_data_dir()
    return (
        f"Get it: copy the data/ folder of a neuropipe source checkout with "
        f"neuropipe.datasets.install_sample_data('<checkout>/data') (into {str(user)!r}, "
        f"checksummed), or set {DATA_ENV} to a folder holding {name}/."
    )


#: Files of a dataset folder that are not data: a folder holding only these is empty.
_NOT_DATA = {"SHA256SUMS.txt", "PROVENANCE.md"}


def _has_data(folder: Path) -> bool:
    """Whether ``folder`` holds a data file (anything but its checksums and provenance)."""
    return any(p.is_file() and p.name not in _NOT_DATA for p in folder.rglob("*"))


def _looked(name: str, data_path=None) -> str:
    """Where ``name`` was looked for, each place with its origin (and "empty" when so)."""
    places = []
    for root, origin in _roots(data_path):
        empty = ", an empty folder" if (root / name).is_dir() else ""
        places.append(f"{str(root / name)!r} ({origin}{empty})")
    return "; ".join(places)


def _not_found(name: str, data_path=None) -> DataNotFoundError:
    return DataNotFoundError(
        f"Sample data {name!r} not found. Looked in: {_looked(name, data_path)}. "
        + _how_to_get(name, data_path)
    )


def file_sha256(path) -> str:
    """SHA-256 hex digest of a file: the one hashing helper of the data loaders.

    :func:`pooch.file_hash` (pooch comes with MNE), which reads the file in blocks.

    Parameters
    ----------
    path : str | os.PathLike
        The file; a missing one raises FileNotFoundError.

    Returns
    -------
    digest : str
        64 lowercase hexadecimal digits, as ``sha256sum`` prints them.

    Examples
    --------
    >>> from neuropipe.datasets.paths import find_data
    >>> len(file_sha256(find_data("eegmmidb") / "PROVENANCE.md"))
    64
    """
    return pooch.file_hash(os.fspath(path), alg="sha256")


def _read_sums(folder: Path) -> dict[str, str]:
    sums = {}
    path = folder / _SUMS
    try:
        lines = path.read_text().splitlines()
    except UnicodeDecodeError as exc:
        raise DataFileError(f"{str(path)!r} is not a text file of checksums: {exc}") from exc
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        parts = line.split(maxsplit=1)
        if len(parts) != 2 or not re.fullmatch(r"[0-9a-fA-F]{64}", parts[0]):
            raise DataFileError(
                f"Line {number} of {str(path)!r} is not '<sha256>  <file>': {line!r}; "
                f"fix the line (as sha256sum writes it)."
            )
        sums[parts[1].strip().lstrip("*")] = parts[0].lower()
    return sums


def verify_folder(folder, cached: bool = True) -> tuple[list[str], list[str]]:
    """Check every file listed in ``folder/SHA256SUMS.txt`` against its SHA-256.

    Parameters
    ----------
    folder : str | Path
        A dataset folder; without a ``SHA256SUMS.txt`` nothing is checked.
    cached : bool
        Reuse this process's previous result for the folder (same checksum file).

    Returns
    -------
    missing : list of str
        Listed files that are absent (a partial copy).
    mismatched : list of str
        Listed files whose content differs from the checksum (damaged).
    """
    folder = Path(folder)
    sums_file = folder / _SUMS
    if not sums_file.is_file():
        return [], []
    stat = sums_file.stat()
    key = (str(folder.resolve()), stat.st_mtime_ns, stat.st_size)
    if cached and key in _VERIFIED:
        return _VERIFIED[key]
    missing, mismatched = [], []
    for relative, digest in _read_sums(folder).items():
        path = folder / relative
        if not path.is_file():
            missing.append(relative)
        elif file_sha256(path) != digest:
            mismatched.append(relative)
    _VERIFIED[key] = (missing, mismatched)
    return missing, mismatched


def _check_verified(name: str, folder: Path) -> None:
    missing, mismatched = verify_folder(folder)
    if mismatched:
        raise DataFileError(
            f"{len(mismatched)} file(s) of {str(folder)!r} do not match {_SUMS}: "
            f"{mismatched[:5]}{' ...' if len(mismatched) > 5 else ''}. They are damaged "
            f"(truncated, or converted to CRLF); restore them. " + _how_to_get(name)
        )
    if missing and str(folder.resolve()) not in _WARNED:
        _WARNED.add(str(folder.resolve()))  # once per process and folder
        warnings.warn(
            f"{str(folder)!r} is a partial copy: {len(missing)} file(s) listed in {_SUMS} are "
            f"missing ({_short_list(missing)}); subjects missing a run a dataset needs are "
            f"left out of it (see `neuropipe datasets`).",
            UserWarning,
            stacklevel=3,
        )


def _short_list(items, n: int = 5) -> str:
    items = list(items)
    return ", ".join(items[:n]) + (f" and {len(items) - n} more" if len(items) > n else "")


def find_data(name: str = "", verify: bool = True, data_path=None) -> Path:
    """Return the folder of sample dataset ``name`` (the data root when ``name`` is empty).

    Parameters
    ----------
    name : str
        A folder of :data:`SAMPLE_DATA`, e.g. ``"eegmmidb"``, or empty for the first root
        of :func:`data_roots` that exists.
    verify : bool
        Check the folder's files against its ``SHA256SUMS.txt`` (once per process).
    data_path : str | Path | None
        A folder of dataset folders (as a checkout's ``data/``): ``name`` is read from
        ``data_path/name`` and only there. None: the search of :func:`data_roots`.

    Returns
    -------
    path : Path

    Raises
    ------
    DataNotFoundError
        If no searched root holds ``name`` with data files in it (an empty folder is
        passed over); the message lists where it looked and how to get the data.
    DataFileError
        If a file does not match its checksum.

    Examples
    --------
    >>> root = find_data()  # the first data root of the search
    >>> find_data("flint2012", data_path=root) == root / "flint2012"
    True
    >>> try:
    ...     find_data("flint2012", data_path="/nowhere")
    ... except DataNotFoundError as exc:
    ...     print(str(exc).split(". ")[1])
    Looked in: '/nowhere/flint2012' (the data path given)
    """
    for root, _ in _roots(data_path):
        path = root / name
        if path.is_dir() and (not name or _has_data(path)):
            if verify and name:
                _check_verified(name, path)
            return path
    raise _not_found(name or "data", data_path)


def data_status(name: str) -> dict:
    """Where sample dataset ``name`` was found and how complete it is.

    Returns
    -------
    status : dict
        ``state``: ``"complete"`` (every file of its ``SHA256SUMS.txt`` present and
        matching), ``"partial"`` (some listed files absent), ``"damaged"`` (a file fails its
        checksum), ``"unverified"`` (files but no ``SHA256SUMS.txt``: no checksums, so
        neither completeness nor integrity is known) or ``"missing"`` (no folder with data
        files: an empty folder is missing); ``path`` (the folder, or the places looked
        in), ``missing`` and ``mismatched`` (files listed in ``SHA256SUMS.txt``) and a
        one-line ``detail``.

    Examples
    --------
    >>> status = data_status("flint2012")
    >>> status["state"], status["detail"]
    ('complete', 'all 2 files of SHA256SUMS.txt present, checksums match')
    """
    try:
        path = find_data(name, verify=False)
    except DataNotFoundError:
        looked = _looked(name)
        return {
            "state": "missing",
            "path": ", ".join(str(root / name) for root, _ in data_roots()),
            "missing": [],
            "mismatched": [],
            "detail": f"not found (looked in {looked}); {_how_to_get(name)[len('Get it: '):]}",
        }
    if not (path / _SUMS).is_file():
        n_files = sum(p.is_file() for p in path.rglob("*"))
        return {
            "state": "unverified",
            "path": str(path),
            "missing": [],
            "mismatched": [],
            "detail": f"{n_files} file(s), no checksums ({_SUMS} absent): completeness and "
            f"integrity not checked",
        }
    missing, mismatched = verify_folder(path)
    n_listed = len(_read_sums(path))
    state = "damaged" if mismatched else "partial" if missing else "complete"
    detail = {
        "complete": f"all {n_listed} files of {_SUMS} present, checksums match",
        "partial": f"{len(missing)} of {n_listed} file(s) missing: {_short_list(missing, 3)}",
        "damaged": f"{len(mismatched)} file(s) fail the checksum: {_short_list(mismatched, 3)}",
    }[state]
    return {
        "state": state,
        "path": str(path),
        "missing": missing,
        "mismatched": mismatched,
        "detail": detail,
    }


def install_sample_data(source, dest=None, names=None) -> Path:
    """Copy checksummed sample data from ``source`` into the per-user data folder.

    Parameters
    ----------
    source : str | Path
        A folder of dataset folders: the ``data/`` of a neuropipe checkout, or an unpacked
        copy of it.
    dest : str | Path | None
        Target root; default :func:`user_data_dir` (searched when ``NEUROPIPE_DATA`` is not
        set).
    names : list of str | None
        Dataset folders to copy; default every folder of :data:`SAMPLE_DATA` in ``source``.

    Returns
    -------
    dest : Path

    Raises
    ------
    DataNotFoundError
        If ``source`` holds none of the asked folders.
    DataFileError
        If a source file fails its checksum (nothing of that dataset is copied).
    """
    source = Path(source)
    dest = Path(dest) if dest is not None else user_data_dir()
    names = list(SAMPLE_DATA) if names is None else list(names)
    present = [n for n in names if (source / n).is_dir()]
    if not present:
        raise DataNotFoundError(
            f"{str(source)!r} holds none of {names}; give the data/ folder of a neuropipe "
            f"checkout."
        )
    for name in present:
        missing, mismatched = verify_folder(source / name, cached=False)
        if mismatched:
            raise DataFileError(
                f"{str(source / name)!r}: {_short_list(mismatched)} fail their checksum; "
                f"nothing of {name} was copied."
            )
        shutil.copytree(source / name, dest / name, dirs_exist_ok=True)
    return dest


def installed_pipelines_dir() -> Path:
    """The pipeline files that come with neuropipe, wherever the current folder is.

    The copy shipped inside the installed package (``neuropipe/_pipelines``), else the
    clone's ``pipelines/``. Never raises (module defaults use it at import time).

    Returns
    -------
    path : Path
    """
    shipped = Path(str(resources.files("neuropipe") / "_pipelines"))
    repo = repository_root()
    if not shipped.is_dir() and repo is not None and (repo / "pipelines").is_dir():
        return repo / "pipelines"
    return shipped  # absent only in a broken install: reading it then names the folder


def default_pipelines_dir() -> Path:
    """The pipeline folder ``neuropipe benchmark`` reads by default.

    ``./pipelines`` when the current folder has one (a clone, or the user's own), else
    :func:`installed_pipelines_dir`.

    Returns
    -------
    path : Path

    Examples
    --------
    >>> (default_pipelines_dir() / "ts_lr.py").is_file()
    True
    """
    if Path("pipelines").is_dir():
        return Path("pipelines")
    return installed_pipelines_dir()
