"""`python -m voice` is the same as the `attune` command."""

import sys

from voice.cli import main

sys.exit(main())
