"""Running stockpred's jobs on a Ray cluster (the optional ``stockpred[ray]`` extra)."""
