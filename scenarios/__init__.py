"""Policy what-ifs: scenario files, ensembles over posterior draws and seeds, comparisons.

Reads ``sim``, ``runtime`` and ``calibration``; imports nothing of the command line. Its
errors name the function's arguments (the command line renames them to its flags); a
message about a file it reads back names the command that makes the file again.
"""
