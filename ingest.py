#!/usr/bin/env python3
"""Index documents into the knowledge store: same as `hirebot ingest [PATH ...]`."""

import sys

from bot.cli import main

if __name__ == "__main__":
    sys.exit(main(["ingest", *sys.argv[1:]]))
