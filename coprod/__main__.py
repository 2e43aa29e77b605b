"""``python -m coprod``: the command line."""

import sys

from coprod.main import main

sys.exit(main())
