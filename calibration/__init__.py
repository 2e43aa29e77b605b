"""The survey and the model's fit to it: the observed data, bootstrap intervals, ABC-SMC.

Reads ``sim`` and ``runtime``; imports nothing of scenarios or the command line. Its
errors name the function's arguments (the command line renames them to its flags); a
message about a file it reads back names the command that makes the file again.
"""
