"""The ``coprod`` command line: argument parsing and one-line errors over the library."""
