"""`python -m mella_bench.cli`."""

import sys

from mella_bench.cli import main

sys.exit(main())
