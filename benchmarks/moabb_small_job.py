"""The MOABB side of ``bench_small_job.py``: CSP+LDA and TS+LR, within-session, a few
EEGMMIDB subjects, as a MOABB user writes it (MOABB, MNE, pyRiemann, scikit-learn only).

Runs offline on the bundled EDF files that ``bench_small_job.py`` lays out beforehand
(``neuropipe.datasets.moabb_bridge.install_eegbci_offline``, outside the timed process) in
``--root``; writes MOABB's scores to ``--output`` (CSV)::

    OMP_NUM_THREADS=1 python benchmarks/moabb_small_job.py --root DIR --output scores.csv
"""

import argparse
import os
import warnings


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--subjects", type=int, nargs="+", default=[1, 2, 3])
    parser.add_argument("--root", required=True, help="folder holding MNE-eegbci-data")
    parser.add_argument("--output", required=True)
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
