"""ABIDE I resting-state ROI time series (PCP C-PAC, CC200 atlas): the bundled 249-subject subset.

The copy in ``data/abide-pcp-cc200/`` holds 249 subjects from three sites (NYU 175, KKI 48,
OHSU 26; 107 autism, 142 typical controls) with the official PCP phenotype table and the
CC200 atlas; its ``PROVENANCE.md`` gives sources, formats, labels and licence
(non-commercial research use).
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.utils import Bunch

from ..io.fmri import load_roi_timeseries, read_roi_timeseries

__all__ = ["load_abide", "DEFAULT_PATH", "COVARIATES"]

DEFAULT_PATH = Path(__file__).resolve().parents[2] / "data" / "abide-pcp-cc200"
PHENOTYPE_FILE = "Phenotypic_V1_0b_preprocessed1.csv"
#: Non-diagnostic phenotype columns put next to the time series in ``X``.
COVARIATES = ("AGE_AT_SCAN", "SEX", "func_mean_fd")
_SUFFIX = "_rois_cc200.1D"


def _verify(path: Path) -> None:
    sums = path / "SHA256SUMS.txt"
    if not sums.is_file():
        raise FileNotFoundError(f"verify=True needs {str(sums)!r}, which is missing.")
    for line in sums.read_text().splitlines():
        digest, name = line.split(maxsplit=1)
        got = hashlib.sha256((path / name).read_bytes()).hexdigest()
        if got != digest:
            raise OSError(
                f"Checksum mismatch for {str(path / name)!r}: the file is corrupted or was "
                f"modified; restore it from the repository."
            )


def _find_subject_files(path: Path) -> pd.DataFrame:
    manifest = path / "manifest.csv"
    if manifest.is_file():
        table = pd.read_csv(manifest)
        return pd.DataFrame({"FILE_ID": table["FILE_ID"], "file": table["file"].map(path.joinpath)})
    files = sorted(p for p in path.rglob(f"*{_SUFFIX}*") if p.name.split(_SUFFIX)[1] in ("", ".gz"))
    if not files:
        raise FileNotFoundError(
            f"No ABIDE ROI time series found in {str(path)!r}: expected a manifest.csv or "
            f"files named <FILE_ID>{_SUFFIX}[.gz] (as fetched by nilearn.datasets."
            f"fetch_abide_pcp(derivatives='rois_cc200'))."
        )
    return pd.DataFrame({"FILE_ID": [p.name.split(_SUFFIX)[0] for p in files], "file": files})


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


def load_abide(path=None, *, sites=None, verify: bool = False) -> Bunch:
    """Load ABIDE I CC200 ROI time series with diagnosis, site and phenotypes.

    Parameters
    ----------
    path : str | path-like | None
        Folder holding the data. None uses the bundled 249-subject copy
        (``data/abide-pcp-cc200`` in the repository). A user folder may hold either the same
        layout (``manifest.csv``, ``rois_cc200/``, the PCP phenotype CSV) or any tree of
        PCP files ``<FILE_ID>_rois_cc200.1D[.gz]`` plus ``Phenotypic_V1_0b_preprocessed1.csv``
        (the layout nilearn's ``fetch_abide_pcp`` downloads).
    sites : list of str | None
        Keep only these sites (``SITE_ID`` values such as ``'NYU'``). None keeps all.
    verify : bool
        Check every file against ``SHA256SUMS.txt`` before loading.

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
        - ``X``: DataFrame (index ``FILE_ID``) with a ``'timeseries'`` column and the
          non-diagnostic covariates ``AGE_AT_SCAN``, ``SEX`` (1 = male, 2 = female) and
          ``func_mean_fd`` (mean framewise displacement, mm). Every estimator of
          :mod:`neuropipe.features.graph` accepts it (it reads ``'timeseries'``), and
          phenotype pipelines select the covariates by column name, so all
          ``pipelines/fmri`` pipelines take the same ``X``;
        - ``tr``: ndarray of float, repetition time in seconds (NaN if unknown);
        - ``roi_names``: list of str, CC200 label values ``'1'`` ... ``'200'``;
        - ``atlas``: path of ``CC200.nii.gz`` (None if absent);
        - ``target_names``: ``['TC', 'ASD']``; ``name``; ``description`` (PROVENANCE.md).

    Examples
    --------
    >>> data = load_abide(sites=["OHSU"])
    >>> len(data.timeseries), data.timeseries[0].shape, int(data.y.sum())
    (26, (78, 200), 12)
    """
    path = DEFAULT_PATH if path is None else Path(os.fspath(path))
    if not path.is_dir():
        raise FileNotFoundError(
            f"ABIDE data folder not found: {str(path)!r}. Pass path= pointing to a folder "
            f"with the CC200 ROI files (the bundled copy lives in data/abide-pcp-cc200 of "
            f"the neuropipe repository)."
        )
    if verify:
        _verify(path)
    files = _find_subject_files(path)
    pheno = pd.read_csv(_find_phenotypes(path))
    pheno = pheno.drop(columns=[c for c in pheno.columns if c.startswith("Unnamed")])
    pheno = pheno.set_index("FILE_ID")
    missing = sorted(set(files["FILE_ID"]) - set(pheno.index))
    if missing:
        raise ValueError(
            f"{len(missing)} subject(s) have no phenotype row (first: {missing[0]}); use the "
            f"PCP phenotype table {PHENOTYPE_FILE}."
        )
    pheno = pheno.loc[files["FILE_ID"]]
    if sites is not None:
        sites = [sites] if isinstance(sites, str) else list(sites)
        unknown = sorted(set(sites) - set(pheno["SITE_ID"]))
        if unknown:
            raise ValueError(
                f"Unknown site(s) {unknown}; available sites are "
                f"{sorted(pheno['SITE_ID'].unique())}."
            )
        keep = pheno["SITE_ID"].isin(sites).to_numpy()
        files, pheno = files[keep], pheno[keep]
    timeseries = load_roi_timeseries(files["file"])
    _, roi_names = read_roi_timeseries(files["file"].iloc[0], return_names=True)
    manifest = path / "manifest.csv"
    tr = np.full(len(files), np.nan)
    if manifest.is_file():
        tr = pd.read_csv(manifest).set_index("FILE_ID").loc[files["FILE_ID"], "TR_s"].to_numpy()
    X = pd.DataFrame({"timeseries": pd.Series(timeseries, index=pheno.index, dtype=object)})
    for column in COVARIATES:
        X[column] = pheno[column].to_numpy()
    provenance = path / "PROVENANCE.md"
    atlas = path / "CC200.nii.gz"
    return Bunch(
        timeseries=timeseries,
        y=(pheno["DX_GROUP"].to_numpy() == 1).astype(int),
        site=pheno["SITE_ID"].to_numpy().astype(str),
        subjects=pheno.index.to_numpy().astype(str),
        phenotypes=pheno,
        X=X,
        tr=tr,
        roi_names=roi_names,
        atlas=atlas if atlas.is_file() else None,
        target_names=["TC", "ASD"],
        name="abide-pcp-cc200",
        description=provenance.read_text() if provenance.is_file() else "",
    )
