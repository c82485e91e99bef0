"""``python -m notifier``: the same as ``fernblick notifier``."""

import sys

from orchestrator.cli import main

sys.exit(main(["notifier", *sys.argv[1:]]))
