"""Filter-bank CCA for SSVEP (Chen et al. 2015), with a learned no-stimulus threshold.

Input: epochs ``(n_epochs, 8, n_times)`` at 256 Hz (MOABB's ``SSVEP`` paradigm on the
SSVEP exoskeleton set: 2-4 s, 7-45 Hz). The CCA correlations with 13, 17 and 21 Hz
references (2 harmonics) are computed in 5 sub-bands and fused as
``sum_m (m ** -1.25 + 0.25) * rho_m ** 2``; the best-fused frequency wins, and ``"rest"``
is predicted below a threshold fitted on the training trials (classes mapped to
frequencies as in ``cca_ssvep.py``).

Settings by principle, none tuned on these subjects: Chen et al.'s filter-bank design
(lower edges ``m * 8`` Hz, their weights ``m ** -1.25 + 0.25``), with every sub-band
that still holds a stimulus harmonic below the 45 Hz edge of the epochs (upper edge
44 Hz; sub-band 5, 40-44 Hz, holds 42 Hz = 2 x 21 Hz); 2 harmonics, the most that stay
below 45 Hz.
"""

from neuropipe.features.ssvep import SSVEPCCA

#: Chen et al. (2015) sub-bands: lower edges m * 8 Hz, up to the epochs' band edge.
SUBBANDS = [(8.0 * m, 44.0) for m in range(1, 6)]

PIPELINE = {
    "name": "FBCCA",
    "paradigms": ["SSVEP"],
    "pipeline": SSVEPCCA(freqs=[13.0, 17.0, 21.0], n_harmonics=2, bands=SUBBANDS),
}
