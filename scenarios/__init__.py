"""Policy what-ifs: scenario files, ensembles over posterior draws and seeds, comparisons.

Reads ``sim`` and ``calibration``; knows nothing of the command line.
"""
