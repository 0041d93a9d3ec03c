"""python -m stockpred."""

from stockpred.cli.main import main

if __name__ == "__main__":
    main()
