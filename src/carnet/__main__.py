"""``python -m carnet``: the same command line as ``carnet``."""

import sys

from carnet.cli import main

sys.exit(main())
