"""``python -m coprod``: the command line."""

from coprod.main import cli

cli()
