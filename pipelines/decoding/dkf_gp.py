"""DKF-GP: discriminative Kalman filter whose f is a Gaussian process on a subsample (slow).

f: 5 previous bins and the current one, standardised, 20 principal components, a Gaussian
process (RBF kernel plus white noise; length scale and noise fitted by marginal likelihood
on the training bins) on 600 training bins drawn at random. Q(x): kernel regression of
the held-out residual outer products on f(x) (input-dependent noise), scale chosen on the
held-out block (the last 30 % of the training bins).
"""

from sklearn.decomposition import PCA
from sklearn.gaussian_process import GaussianProcessRegressor
from sklearn.gaussian_process.kernels import RBF, ConstantKernel, WhiteKernel
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from neuropipe.decoders import DiscriminativeKalmanFilter, SubsampledRegressor

PIPELINE = {
    "name": "DKF-GP",
    "paradigms": ["decoding"],
    "slow": True,
    "pipeline": DiscriminativeKalmanFilter(
        make_pipeline(
            StandardScaler(),
            PCA(n_components=20, random_state=42),
            SubsampledRegressor(
                GaussianProcessRegressor(
                    ConstantKernel() * RBF(length_scale=5.0) + WhiteKernel(),
                    normalize_y=True,
                    random_state=42,
                ),
                max_samples=600,
                random_state=42,
            ),
        ),
        bins_before=5,
        holdout_split="last",
        q_estimator="kernel_f",
        q_scale="auto",
        robust=True,
        random_state=42,
    ),
}
