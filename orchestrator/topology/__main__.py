"""``python -m orchestrator.topology``: the same as ``fernblick topology``."""

from orchestrator.topology.cli import main

raise SystemExit(main())
