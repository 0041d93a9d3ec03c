"""python -m stockpred."""

from stockpred.cli.main import main

main()
