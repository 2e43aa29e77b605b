"""Package data: the 2015 survey (``survey2015.toml``) and the shipped posterior."""
