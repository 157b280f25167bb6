"""``python -m callstate``: the ``callstate`` command line."""

import sys

from .cli import main

sys.exit(main())
