"""The methodology studies: does the calibration work, and what would more data tell.

Each is a module with one entry point, run by one command, and keeps its finished parts
in its folder so that it resumes:

- :mod:`studies.recovery` (``coprod recovery``): calibrations of known truths, with the
  policy effects they imply (:mod:`studies.parameter_recovery`,
  :mod:`studies.effect_recovery`);
- :mod:`studies.leave_one_out` (``coprod validate --leave-one-out``): each activity
  predicted by a calibration that never saw it, against two rivals;
- :mod:`studies.ablation` (``coprod ablate``): the fit with one mechanism switched off;
- :mod:`studies.sbc` (``coprod sbc``): simulation-based calibration from a reference
  table of the shipped posterior's worlds;
- :mod:`studies.design` (``coprod design``): what a second survey would narrow.

Beside them, two stages that keep nothing to resume: :mod:`studies.screening` (``coprod
sensitivity``, the Morris screening) and :mod:`studies.simulation` (``coprod simulate``,
one run of the calibrated model). Each returns a typed result that writes its command's
files and reads them back.

:mod:`studies.calibrations` is what the calibration studies share (seeds, sizes,
calibrations kept in folders). Reads ``sim``, ``runtime``, ``calibration`` and
``scenarios``; imports nothing of the command line (its messages name the commands that
remake a file).
"""
