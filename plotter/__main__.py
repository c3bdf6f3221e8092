"""``python -m plotter`` is the ``plotter`` command."""

import sys

from .cli import main

sys.exit(main())
