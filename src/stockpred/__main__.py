"""python -m stockpred."""

from stockpred.cli.app import main

main()
