"""attune's shared home: settings, paths, version and the one `attune` command.

`server`, `voice` and `intents` import from here and never from each other's command line.
"""

from attune.version import __version__

__all__ = ["__version__"]
