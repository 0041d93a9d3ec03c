"""Which prediction interval is honest: the five calibrated methods or Monte-Carlo dropout?

Usage: python benchmarks/interval_methods/interval_methods.py [--epochs N] [--samples N]

Fits the default LSTM on the bundled MSFT sample (70/15/15 split) with every interval method
(``compare_intervals``: a run fits only its own and the constant one) and measures, on the
one-step forecasts of the test span, the empirical coverage and pinball loss of the 80%
interval from each method. MC dropout keeps dropout on at inference and takes quantiles of
``--samples`` stochastic passes; it only sees the network's own (epistemic) uncertainty.
"""

from __future__ import annotations

import argparse

import numpy as np
import torch

from stockpred.config import ForecastConfig
from stockpred.data.loading import load_prices
from stockpred.evaluation.forecaster import Forecaster
from stockpred.evaluation.intervals import interval_scores
from stockpred.features import input_signals, to_prices, windows


def mc_dropout(
    fc: Forecaster, prices: np.ndarray, x: torch.Tensor, origins: np.ndarray, samples: int
) -> np.ndarray:
    """``[samples, n]`` one-step price forecasts with dropout left on."""
    net = fc.network().train()  # dropout on
    torch.manual_seed(0)
    with torch.inference_mode():
        draws = np.stack([net(x).numpy()[:, 0] for _ in range(samples)]).astype(np.float64)
    outputs = fc.scaler_.unscale_y(draws[..., None])[..., 0]
    return np.stack([to_prices(o[:, None], prices, origins, fc.config)[:, 0] for o in outputs])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=ForecastConfig().epochs)
    parser.add_argument("--samples", type=int, default=200)
    args = parser.parse_args()
    history = load_prices("MSFT")
    cfg = ForecastConfig(epochs=args.epochs, device="cpu", compare_intervals=True)
    fc = Forecaster(cfg).fit(history, progress=False)
    origins = fc.split_.test_origins()
    prices = history.prices
    actual = prices[origins + 1]
    point = fc.predict_origins(history, origins, 1)
    scores = {}
    for method in fc.intervals_.methods:
        lower, upper = fc.intervals_.bounds(method, point, prices, origins)
        scores[method] = interval_scores(actual, lower[:, 0], upper[:, 0], cfg.interval)
    signals = fc.scaler_.scale_x(input_signals(history.frame, history.price_column, cfg))
    x = torch.from_numpy(windows(signals, origins, cfg.window))
    draws = mc_dropout(fc, prices, x, origins, args.samples)
    tail = (1 - cfg.interval) / 2
    scores[f"MC dropout ({args.samples})"] = interval_scores(
        actual, np.quantile(draws, tail, axis=0), np.quantile(draws, 1 - tail, axis=0), cfg.interval
    )
    print(f"MSFT test span, {len(actual)} one-step forecasts, nominal {cfg.interval:.0%}")
    print("| method | coverage | pinball | mean width % |")
    print("|---|---|---|---|")
    for name, s in scores.items():
        print(f"| {name} | {s.coverage:.1%} | {s.pinball:.4f} | {s.mean_width_pct:.2f} |")


if __name__ == "__main__":
    main()
