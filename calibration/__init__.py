"""The survey and the model's fit to it: the observed data, bootstrap intervals, ABC-SMC.

Reads ``sim``; knows nothing of scenarios or the command line.
"""
