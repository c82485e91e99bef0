"""``python -m recorder``: the same as ``fernblick recorder``."""

import sys

from orchestrator.cli import main

sys.exit(main(["recorder", *sys.argv[1:]]))
