"""`python -m connector.cli`: the same entry point as the `connector` console script."""

import sys

from connector.cli import main

sys.exit(main())
