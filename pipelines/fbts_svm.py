"""Filter-bank tangent space + feature selection + SVM, selection size and C by inner CV.

Input: epochs ``(n_epochs, n_channels, n_times)`` at 160 Hz, band-passed 8-32 Hz (MOABB's
default ``LeftRightImagery`` epochs).

Not a pipeline of MOABB or pyRiemann. The broadband covariance of TS+SVM mixes the mu
(8-13 Hz) and beta (13-30 Hz) rhythms, whose lateralisation differs between subjects;
:class:`neuropipe.ensemble.FilterBankTangentSpace` gives each of six 4 Hz sub-bands
(8-12 ... 28-32 Hz) its own OAS covariance and tangent space (at that band's Riemannian
mean over the training trials), 6 x 2080 features on 64 channels. A
:class:`~sklearn.model_selection.GridSearchCV` on the training folds (3 stratified inner
splits, ROC-AUC) then chooses how many of them an ANOVA F-test keeps (1000, 4000 or all)
and the C of a linear SVM (0.1 or 1): more bands than trials need the selection and the
penalty tuned to each subject, on its training trials only.

Opt-in (``"slow": True``, ``--include-slow``): 3.3 CPU s per training fold, the most
expensive pipeline here, and on the bundled subjects (MOABB's default epochs) it stays below
the single-band tangent-space pipelines (mean ROC-AUC 0.662 vs 0.738 for TS+SVM over
S001-S006, docs/eeg_accuracy.md): with 36 training trials the ANOVA ranking of 12480
features is too noisy to gain from the sub-bands.
"""

from sklearn.feature_selection import SelectKBest, f_classif
from sklearn.model_selection import GridSearchCV, StratifiedKFold
from sklearn.pipeline import Pipeline, make_pipeline
from sklearn.svm import SVC

from neuropipe.ensemble import FilterBankTangentSpace
from neuropipe.preprocessing import EpochsToArray

PIPELINE = {
    "name": "FBTS+select+SVM (inner CV)",
    "paradigms": ["LeftRightImagery", "MotorImagery"],
    "slow": True,
    "family": "new",
    "pipeline": make_pipeline(
        EpochsToArray(),
        FilterBankTangentSpace(),
        GridSearchCV(
            Pipeline([("select", SelectKBest(f_classif)), ("svc", SVC(kernel="linear"))]),
            {"select__k": [1000, 4000, "all"], "svc__C": [0.1, 1.0]},
            cv=StratifiedKFold(3, shuffle=True, random_state=42),
            scoring="roc_auc",
        ),
    ),
}
