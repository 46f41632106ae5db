"""ABIDE I resting-state ROI time series (PCP C-PAC, CC200 atlas), bundled or at full scale.

The copy in ``data/abide-pcp-cc200/`` holds 249 subjects from three sites (NYU 175, KKI 48,
OHSU 26; 107 autism, 142 typical controls) with the official PCP phenotype table and the
CC200 atlas; its ``PROVENANCE.md`` gives sources, formats, labels and licence
(non-commercial research use). :func:`load_abide` also reads any number of further folders
in the same layout, or the tree that ``nilearn.datasets.fetch_abide_pcp(derivatives=
'rois_cc200')`` downloads, e.g. the bundled copy plus 553 subjects of 14 more sites
(802 subjects, 17 sites).

All-zero ROIs. Some PCP files hold ROI columns that are exactly zero in every time point
(the ROI lies outside the subject's field of view): 2 bundled NYU subjects and 43 subjects of
the 14 further sites, from 1 to 118 of the 200 ROIs. Their correlations with every other
ROI are undefined. The documented choice (``zero_rois='keep'``, the default) keeps those
subjects and their data unchanged, lists the zero ROIs of each subject in ``zero_rois`` and
warns naming the subjects; the connectivity stages then give those ROIs no edges
(``ConnectivityGraph(zero_variance='isolate')``). ``zero_rois='drop'`` removes those
subjects (with a warning naming them) and ``'raise'`` refuses them.
"""

from __future__ import annotations

import os
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.utils import Bunch

from .._validation import check_option, numeric_columns
from ..io.fmri import load_roi_timeseries, read_roi_timeseries
from .base import Dataset
from .paths import find_data, verify_folder

__all__ = [
    "ABIDE",
    "load_abide",
    "abide_path",
    "DEFAULT_PATH",
    "COVARIATES",
    "SITE_COLUMN",
    "SITE_TR",
]

#: The copy in a clone's ``data/`` (absent from an installed package: loaders use
#: :func:`abide_path`, which searches the sample-data path).
DEFAULT_PATH = Path(__file__).resolve().parents[2] / "data" / "abide-pcp-cc200"
FOLDER = "abide-pcp-cc200"
PHENOTYPE_FILE = "Phenotypic_V1_0b_preprocessed1.csv"
#: Non-diagnostic phenotype columns put next to the time series in ``X``.
COVARIATES = ("AGE_AT_SCAN", "SEX", "func_mean_fd")
#: Column of ``X`` naming the acquisition site (read by the site-harmonisation stages).
SITE_COLUMN = "SITE_ID"
#: Repetition time (s) of each ABIDE I site, from the ABIDE I scan-parameter tables (as in the
#: manifests of the bundled copy and of the 14-site folder); used when a folder has no manifest.
SITE_TR = {
    "CALTECH": 2.0, "CMU": 2.0, "KKI": 2.5, "LEUVEN_1": 1.656, "LEUVEN_2": 1.656,
    "MAX_MUN": 3.0, "NYU": 2.0, "OHSU": 2.5, "OLIN": 1.5, "PITT": 1.5, "SBL": 2.2,
    "SDSU": 2.0, "STANFORD": 2.0, "TRINITY": 2.0, "UCLA_1": 3.0, "UCLA_2": 3.0, "UM_1": 2.0,
    "UM_2": 2.0, "USM": 2.0, "YALE": 2.0,
}  # fmt: skip
_SUFFIX = "_rois_cc200.1D"


def abide_path() -> Path:
    """Folder that :func:`load_abide` (and the fMRI benchmark) reads by default.

    ``abide-pcp-cc200`` on the sample-data path, as every bundled dataset
    (:func:`neuropipe.datasets.paths.find_data`): ``$NEUROPIPE_DATA`` when it is set (and
    only there: no silent fall-back to another copy), else the clone's ``data/``, else
    ``~/neuropipe_data`` (where :func:`~neuropipe.datasets.paths.install_sample_data`
    copies it). The folder is checked against its ``SHA256SUMS.txt`` once per process.

    Raises
    ------
    DataNotFoundError
        A FileNotFoundError naming where it looked and how to get the data.
    DataFileError
        If a file fails its checksum.

    Examples
    --------
    >>> abide_path().name
    'abide-pcp-cc200'
    """
    return find_data(FOLDER)


def _verify(path: Path) -> None:
    sums = path / "SHA256SUMS.txt"
    if not sums.is_file():
        raise FileNotFoundError(f"verify=True needs {str(sums)!r}, which is missing.")
    missing, mismatched = verify_folder(path, cached=False)
    if missing:
        raise FileNotFoundError(
            f"{str(path / missing[0])!r}, listed in {str(sums)!r}, is missing; restore it."
        )
    if mismatched:
        raise OSError(
            f"Checksum mismatch for {str(path / mismatched[0])!r}: the file is corrupted or "
            f"was modified; restore it from the repository."
        )


def _find_subject_files(path: Path) -> pd.DataFrame:
    manifest = path / "manifest.csv"
    if manifest.is_file():
        table = pd.read_csv(manifest)
        return pd.DataFrame(
            {
                "FILE_ID": table["FILE_ID"],
                "file": table["file"].map(path.joinpath),
                "TR_s": table["TR_s"] if "TR_s" in table else np.nan,
            }
        )
    files = sorted(p for p in path.rglob(f"*{_SUFFIX}*") if p.name.split(_SUFFIX)[1] in ("", ".gz"))
    if not files:
        raise FileNotFoundError(
            f"No ABIDE ROI time series found in {str(path)!r}: expected a manifest.csv or "
            f"files named <FILE_ID>{_SUFFIX}[.gz] (as fetched by nilearn.datasets."
            f"fetch_abide_pcp(derivatives='rois_cc200'))."
        )
    ids = [p.name.split(_SUFFIX)[0] for p in files]
    return pd.DataFrame({"FILE_ID": ids, "file": files, "TR_s": np.nan})


def _find_phenotypes(path: Path) -> Path:
    for folder in (path, *path.parents[:2]):
        if (folder / PHENOTYPE_FILE).is_file():
            return folder / PHENOTYPE_FILE
    found = sorted(path.rglob(PHENOTYPE_FILE))
    if not found:
        raise FileNotFoundError(
            f"{PHENOTYPE_FILE} not found in or above {str(path)!r}; copy the PCP phenotype "
            f"table next to the time-series files."
        )
    return found[0]


def _read_folder(path: Path, verify: bool) -> tuple[pd.DataFrame, pd.DataFrame]:
    if not path.is_dir():
        raise FileNotFoundError(
            f"ABIDE data folder not found: {str(path)!r}. Pass path= pointing to a folder "
            f"with the CC200 ROI files (the bundled copy lives in data/{FOLDER} of the "
            f"neuropipe repository)."
        )
    if verify:
        _verify(path)
    files = _find_subject_files(path)
    table = _find_phenotypes(path)
    pheno = pd.read_csv(table)
    pheno = pheno.drop(columns=[c for c in pheno.columns if c.startswith("Unnamed")])
    line = dict(zip(pheno["FILE_ID"], pheno.index + 2))  # line 1: the column names
    pheno = pheno.set_index("FILE_ID")
    missing = sorted(set(files["FILE_ID"]) - set(pheno.index))
    if missing:
        raise ValueError(
            f"{len(missing)} subject(s) in {str(path)!r} have no phenotype row (first: "
            f"{missing[0]}); use the PCP phenotype table {PHENOTYPE_FILE}."
        )
    pheno = pheno.loc[files["FILE_ID"]]
    numeric_columns(  # one error naming the cell, not numpy's or scikit-learn's at fit
        pheno,
        COVARIATES,
        what=f"{str(table)!r}: phenotype",
        fix="correct the value in the file (leave a missing value empty).",
        where=lambda subject: f"the row of subject {subject}, line {line[subject]}",
    )
    return files.reset_index(drop=True), pheno


def _zero_columns(timeseries):
    return [np.flatnonzero(~np.any(ts != 0, axis=0)) for ts in timeseries]


def _paths(path) -> list[Path]:
    """The folders of ``path`` (one, several, or None for :func:`abide_path`)."""
    if path is None:
        return [abide_path()]
    if isinstance(path, (str, os.PathLike)):
        return [Path(os.fspath(path))]
    paths = [Path(os.fspath(p)) for p in path]
    if not paths:
        raise ValueError("path is an empty list; pass at least one ABIDE folder.")
    return paths


def load_abide(
    path=None, *, sites=None, subjects=None, verify: bool = False, zero_rois: str = "keep"
) -> Bunch:
    """Load ABIDE I CC200 ROI time series with diagnosis, site and phenotypes.

    Parameters
    ----------
    path : str | path-like | list of them | None
        Folder(s) holding the data; several folders are read and concatenated (a subject in
        two folders is an error). None reads the bundled 249-subject copy found on the
        sample-data path (:func:`abide_path`: ``$NEUROPIPE_DATA``, else the clone's
        ``data/``, else ``~/neuropipe_data``; an error naming where it looked if it is in
        none). A folder may
        hold either the bundled layout (``manifest.csv``, ``rois_cc200/``, the PCP phenotype
        CSV) or any tree of PCP files ``<FILE_ID>_rois_cc200.1D[.gz]`` with
        ``Phenotypic_V1_0b_preprocessed1.csv`` in it or up to two levels above (the layout
        nilearn's ``fetch_abide_pcp`` downloads).
    sites : str | list of str | None
        Keep only these sites (``SITE_ID`` values such as ``'NYU'``). None keeps all.
    subjects : list of str | None
        Keep only these subjects (PCP ``FILE_ID`` values such as ``'OHSU_0050142'``), in
        the order of the folders. None keeps all.
    verify : bool
        Check every file against each folder's ``SHA256SUMS.txt`` before loading.
    zero_rois : {'keep', 'drop', 'raise'}
        Subjects with ROI columns that are zero at every time point (undefined
        correlations): ``'keep'`` keeps them unchanged and warns naming them (the feature
        stages isolate those ROIs); ``'drop'`` removes them, warning naming them;
        ``'raise'`` raises a ValueError naming them.

    Returns
    -------
    data : sklearn.utils.Bunch
        - ``timeseries``: list of ndarray, each shape (n_timepoints, 200), one per subject;
        - ``y``: ndarray of int, shape (n_subjects,); 1 = autism (ASD), 0 = control (TC),
          i.e. ``DX_GROUP == 1``;
        - ``site``: ndarray of str, shape (n_subjects,);
        - ``subjects``: ndarray of str, the PCP ``FILE_ID`` of each subject;
        - ``phenotypes``: DataFrame, the PCP phenotype rows (index ``FILE_ID``), including
          diagnostic scores (ADOS, ADI-R...) that must not be used as features;
        - ``X``: DataFrame (index ``FILE_ID``) with a ``'timeseries'`` column, the
          non-diagnostic covariates ``AGE_AT_SCAN``, ``SEX`` (1 = male, 2 = female) and
          ``func_mean_fd`` (mean framewise displacement, mm; NaN where PCP has none) and
          ``SITE_ID``. Every estimator of :mod:`neuropipe.features.graph` accepts it (it
          reads ``'timeseries'``), phenotype pipelines select the covariates by column name
          and site harmonisation reads ``SITE_ID``, so all ``pipelines/fmri`` pipelines take
          the same ``X``;
        - ``zero_rois``: list of ndarray of int, the all-zero ROI columns of each subject;
        - ``tr``: ndarray of float, repetition time in seconds (from the manifest, else
          :data:`SITE_TR`; NaN if unknown);
        - ``roi_names``: list of str, CC200 label values ``'1'`` ... ``'200'``;
        - ``atlas``: path of ``CC200.nii.gz`` (None if absent);
        - ``target_names``: ``['TC', 'ASD']``; ``name``; ``description`` (PROVENANCE.md).

    Examples
    --------
    >>> data = load_abide(sites=["OHSU"])
    >>> len(data.timeseries), data.timeseries[0].shape, int(data.y.sum())
    (26, (78, 200), 12)
    """
    check_option("zero_rois", zero_rois, ["keep", "drop", "raise"])
    paths = _paths(path)
    parts = [_read_folder(p, verify) for p in paths]
    files = pd.concat([f for f, _ in parts], ignore_index=True)
    pheno = pd.concat([p for _, p in parts])
    duplicated = files["FILE_ID"][files["FILE_ID"].duplicated()].tolist()
    if duplicated:
        raise ValueError(
            f"{len(duplicated)} subject(s) appear in more than one folder (first: "
            f"{duplicated[0]}); pass folders that hold different subjects."
        )
    if sites is not None:
        sites = [sites] if isinstance(sites, str) else list(sites)
        unknown = sorted(set(sites) - set(pheno["SITE_ID"]))
        if unknown:
            raise ValueError(
                f"Unknown site(s) {unknown}; available sites are "
                f"{sorted(pheno['SITE_ID'].unique())}."
            )
        keep = pheno["SITE_ID"].isin(sites).to_numpy()
        files, pheno = files[keep].reset_index(drop=True), pheno[keep]
    if subjects is not None:
        subjects = [str(s) for s in np.atleast_1d(subjects)]
        unknown = sorted(set(subjects) - set(pheno.index))
        if unknown:
            raise ValueError(
                f"Subjects {unknown[:5]} are not in the ABIDE folder(s) {[str(p) for p in paths]}"
                f"{f' (sites {sites})' if sites is not None else ''}; the subjects are PCP "
                f"FILE_IDs such as {pheno.index[0]!r} (see ABIDE().subjects)."
            )
        keep = pheno.index.isin(subjects)
        files, pheno = files[keep].reset_index(drop=True), pheno[keep]
    timeseries = load_roi_timeseries(files["file"])
    zeros = _zero_columns(timeseries)
    affected = [i for i, z in enumerate(zeros) if z.size]
    if affected:
        listing = ", ".join(f"{pheno.index[i]} ({zeros[i].size})" for i in affected)
        what = (
            f"{len(affected)} subject(s) have ROI columns that are zero at every time point "
            f"(number of such ROIs in brackets): {listing}."
        )
        if zero_rois == "raise":
            raise ValueError(f"{what} Pass zero_rois='keep' or 'drop'.")
        if zero_rois == "drop":
            warnings.warn(f"{what} They are dropped (zero_rois='drop').", stacklevel=2)
            keep = np.ones(len(files), dtype=bool)
            keep[affected] = False
            files, pheno = files[keep].reset_index(drop=True), pheno[keep]
            timeseries = [t for t, k in zip(timeseries, keep) if k]
            zeros = [z for z, k in zip(zeros, keep) if k]
        else:
            warnings.warn(
                f"{what} They are kept unchanged; their correlations with those ROIs are "
                f"undefined, and ConnectivityGraph(zero_variance='isolate') gives those ROIs "
                f"no edges. Pass zero_rois='drop' to leave these subjects out.",
                stacklevel=2,
            )
    _, roi_names = read_roi_timeseries(files["file"].iloc[0], return_names=True)
    site = pheno["SITE_ID"].to_numpy().astype(str)
    tr = files["TR_s"].to_numpy(dtype=float)
    tr = np.where(np.isnan(tr), [SITE_TR.get(s, np.nan) for s in site], tr)
    X = pd.DataFrame({"timeseries": pd.Series(timeseries, index=pheno.index, dtype=object)})
    for column in COVARIATES:
        X[column] = pheno[column].to_numpy(dtype=float)
    X[SITE_COLUMN] = site
    provenance = [p / "PROVENANCE.md" for p in paths if (p / "PROVENANCE.md").is_file()]
    atlases = [p / "CC200.nii.gz" for p in paths if (p / "CC200.nii.gz").is_file()]
    return Bunch(
        timeseries=timeseries,
        y=(pheno["DX_GROUP"].to_numpy() == 1).astype(int),
        site=site,
        subjects=pheno.index.to_numpy().astype(str),
        phenotypes=pheno,
        X=X,
        zero_rois=zeros,
        tr=tr,
        roi_names=roi_names,
        atlas=atlases[0] if atlases else None,
        target_names=["TC", "ASD"],
        name="abide-pcp-cc200" if len(paths) == 1 else f"abide-pcp-cc200 ({len(paths)} folders)",
        description="\n\n".join(p.read_text() for p in provenance),
    )


class ABIDE(Dataset):
    """ABIDE I CC200 ROI time series as a dataset (``"abide-pcp-cc200"``, modality fMRI).

    :meth:`load` returns what :func:`load_abide` returns for the same folders.

    Parameters
    ----------
    path : str | path-like | list of them | None
        Folder(s) of the data, as :func:`load_abide` takes them; None: the bundled
        249-subject copy on the sample-data path (:func:`abide_path`).

    Attributes
    ----------
    path : Path | list of Path
        The folder, or the list of folders when several are given.

    Examples
    --------
    >>> dataset = ABIDE()
    >>> dataset.modality, dataset.paradigms, len(dataset.subjects), dataset.subjects[0]
    ('fmri', ['fmri'], 249, 'KKI_0050772')
    >>> data = dataset.load(subjects=["OHSU_0050142", "KKI_0050772"])
    >>> data.subjects.tolist(), data.timeseries[1].shape
    (['KKI_0050772', 'OHSU_0050142'], (78, 200))
    """

    name = "abide-pcp-cc200"
    modality = "fmri"
    paradigms = ["fmri"]
    folder = FOLDER
    data_type = "fMRI"
    classes = "autism vs control (ROI time series, CC200)"
    licence = "ABIDE: non-commercial research"
    description = "neuropipe.datasets.load_abide()"

    def __init__(self, path=None):
        paths = _paths(path)
        self.path = paths[0] if len(paths) == 1 else paths

    @property
    def subjects(self) -> list[str]:
        """The PCP ``FILE_ID`` of every subject in the folder(s), in load order."""
        paths = self.path if isinstance(self.path, list) else [self.path]
        ids = []
        for folder in paths:
            if not folder.is_dir():
                raise FileNotFoundError(f"ABIDE data folder not found: {str(folder)!r}.")
            ids.extend(_find_subject_files(folder)["FILE_ID"].astype(str))
        return ids

    def load(self, subjects=None, paradigm=None, **kwargs) -> Bunch:
        """:func:`load_abide` of :attr:`path`.

        Parameters
        ----------
        subjects : list of str | None
            PCP ``FILE_ID`` values to keep; default all.
        paradigm : {"fmri", None}
            The only paradigm of the dataset.
        **kwargs
            ``sites``, ``verify``, ``zero_rois`` of :func:`load_abide`.

        Returns
        -------
        data : sklearn.utils.Bunch
            As :func:`load_abide`.
        """
        self.check_paradigm(paradigm)
        return load_abide(self.path, subjects=subjects, **kwargs)
