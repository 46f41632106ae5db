"""Filter-bank ensemble TRCA for SSVEP (Nakanishi et al. 2018): a documented reproduction.

Input: epochs ``(n_epochs, 8, n_times)`` at 256 Hz (MOABB's ``SSVEP`` paradigm on the
SSVEP exoskeleton set: 2-4 s, 7-45 Hz). In each of Chen et al.'s sub-bands (``[m * 8,
44]`` Hz, m = 1..5), each class's TRCA spatial filter and template (its average training
trial); a test epoch scores each class by the correlation of filtered epoch and filtered
template (filters of all classes stacked: ensemble TRCA), fused over sub-bands with
``m ** -1.25 + 0.25``.

Not a default pipeline (``"slow": True`` keeps it opt-in, ``--include-slow``): it scores
at chance on this dataset (docs/ssvep_accuracy.md). TRCA's templates assume responses
phase-locked to the event; in this dataset the LEDs flicker freely and the cue is not
synchronised with them (MOABB's metadata: "No phase synchronization required"). The
inter-trial phase coherence of the 17 and 21 Hz responses on O1/Oz/O2 is at its chance
level (0.30 and 0.31; 0.31 expected for 8 trials of random phase; 13 Hz: 0.52), so a
class average cancels most of the response. It stays as the reference implementation for phase-locked SSVEP data.
"""

from neuropipe.features.ssvep import TRCA

#: Chen et al. (2015) sub-bands: lower edges m * 8 Hz, up to the epochs' band edge.
SUBBANDS = [(8.0 * m, 44.0) for m in range(1, 6)]

PIPELINE = {
    "name": "FB-TRCA",
    "paradigms": ["SSVEP"],
    "slow": True,
    "pipeline": TRCA(bands=SUBBANDS, ensemble=True),
}
