"""python -m stockpred."""

from stockpred.cli import main

main()
