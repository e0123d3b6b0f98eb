"""`python bench/run.py [--quick]`: the same as `clearway bench [--quick]` (see bench/README.md)."""

from __future__ import annotations

import sys

from clearway.benchmark.cli import main

if __name__ == "__main__":
    sys.exit(main())
