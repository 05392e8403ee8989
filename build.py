#!/usr/bin/env python3
"""Bulletin's entry point: ``python build.py [command] [options]`` (see ``--help``)."""

import sys

from bulletin.cli import main

if __name__ == "__main__":
    sys.exit(main())
