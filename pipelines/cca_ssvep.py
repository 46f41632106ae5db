"""CCA for SSVEP (Lin et al. 2006; Bin et al. 2009), with a learned no-stimulus threshold.

Input: epochs ``(n_epochs, 8, n_times)`` at 256 Hz (SSVEP exoskeleton set, MOABB's
``SSVEP`` paradigm: 2-4 s after the cue, band-passed 7-45 Hz). Each epoch goes to the
stimulus frequency (13, 17, 21 Hz) whose sine/cosine references it correlates with most;
nothing is learned for these classes. The ``"rest"`` class (no stimulus) is predicted
when the best correlation is below a threshold fitted on the training trials.

Settings by principle: 2 harmonics, the most that keep every reference (up to 42 Hz)
inside the 7-45 Hz band of the epochs. Labels that name the frequencies ("13", "17",
"21", "rest") map classes to frequencies directly; the encoded labels that MOABB's and
neuropipe's evaluations pass (0-3) are mapped on the training trials (the one-to-one
class/frequency assignment with the best mean score; the class left over is rest).
"""

from neuropipe.features.ssvep import SSVEPCCA

PIPELINE = {
    "name": "CCA",
    "paradigms": ["SSVEP"],
    "pipeline": SSVEPCCA(freqs=[13.0, 17.0, 21.0], n_harmonics=2),
}
