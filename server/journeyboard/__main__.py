"""`python -m journeyboard`: the same command line as `journeyboard`."""

from journeyboard.cli import main

main()
