"""``python -m nasbench_kit``: see :mod:`nasbench_kit.cli`."""

import sys

from .cli import main

if __name__ == "__main__":
    sys.exit(main())
