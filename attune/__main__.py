"""`python -m attune` is the same as the `attune` command."""

import sys

from attune.cli import main

sys.exit(main())
