"""The MOABB side of ``bench_small_job.py``: CSP+LDA and TS+LR, within-session, a few
EEGMMIDB subjects, as a MOABB user writes it (MOABB, MNE, pyRiemann, scikit-learn only).

Runs offline on the bundled EDF files that ``bench_small_job.py`` lays out beforehand
(``neuropipe.datasets.moabb_bridge.install_eegbci_offline``, outside the timed process) in
``--root``; writes MOABB's scores to ``--output`` (CSV)::

    OMP_NUM_THREADS=1 python benchmarks/moabb_small_job.py --root DIR --output scores.csv

With ``--phases`` it stops after loading the subjects' epochs (MOABB's ``get_data``, as the
evaluation does) and writes the process CPU seconds after the imports and after the loading
to ``--output`` (JSON) instead of evaluating.
"""

import argparse
import json
import os
import resource
import warnings


def _cpu():
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--subjects", type=int, nargs="+", default=[1, 2, 3])
    parser.add_argument("--root", required=True, help="folder holding MNE-eegbci-data")
    parser.add_argument("--output", required=True)
    parser.add_argument("--phases", action="store_true", help="CPU after imports and loading")
    args = parser.parse_args()
    os.environ.update(
        MNE_DATA=args.root,
        MNE_DATASETS_EEGBCI_PATH=args.root,
        MOABB_DOWNLOAD_PROVIDER="upstream",
    )
    warnings.filterwarnings("ignore")

    import mne
    from mne.decoding import CSP
    from moabb.datasets import PhysionetMI
    from moabb.evaluations import WithinSessionEvaluation
    from moabb.paradigms import LeftRightImagery
    from pyriemann.estimation import Covariances
    from pyriemann.tangentspace import TangentSpace
    from sklearn.discriminant_analysis import LinearDiscriminantAnalysis
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline

    mne.set_log_level("ERROR")
    imported = _cpu()
    pipelines = {
        "CSP+LDA": make_pipeline(CSP(n_components=8), LinearDiscriminantAnalysis()),
        "TS+LR": make_pipeline(
            Covariances(estimator="oas"),
            TangentSpace(metric="riemann"),
            LogisticRegression(C=1.0, max_iter=1000),
        ),
    }
    dataset = PhysionetMI(subjects=args.subjects)
    dataset.feet_runs = []  # left/right imagery only, as the bundled subset
    if args.phases:
        LeftRightImagery().get_data(dataset, args.subjects)
        phases = {"imports": imported, "loading": _cpu() - imported}
        with open(args.output, "w") as file:
            json.dump(phases, file)
        return
    evaluation = WithinSessionEvaluation(
        paradigm=LeftRightImagery(),
        datasets=[dataset],
        overwrite=True,
        random_state=42,
        hdf5_path=args.root,
    )
    results = evaluation.process(pipelines)
    results[["subject", "session", "pipeline", "score"]].to_csv(args.output, index=False)


if __name__ == "__main__":
    main()
