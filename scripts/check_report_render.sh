#!/usr/bin/env bash
# Render a backtest report from synthetic data and screenshot it in headless Chromium,
# so a person can check the page looks right. Usage: scripts/check_report_render.sh [OUT_DIR]
# Writes OUT_DIR/report.html (plus the chart PNGs) and OUT_DIR/screenshot.png.
set -euo pipefail

out_dir="$(realpath -m "${1:-$(mktemp -d)}")"
mkdir -p "$out_dir"

if ! command -v chromium >/dev/null 2>&1; then
    apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y chromium
fi

python - "$out_dir" <<'PY'
import sys

import numpy as np

from tickwire.events import Fill, Side
from tickwire.report import ReportInput, write_report

rng = np.random.default_rng(7)
n = 200_000  # 5-minute bars, about two years
ts = np.int64(1_577_836_800_000_000_000) + np.arange(n, dtype=np.int64) * 300_000_000_000
prices = {
    name: (ts, start * np.exp(np.cumsum(rng.normal(0.0, vol, n))))
    for name, start, vol in (("AAPL", 180.0, 0.0012), ("BTC/USD", 30_000.0, 0.0025))
}
equity = 100_000.0 * np.exp(np.cumsum(rng.normal(0.000004, 0.0009, n)))
fills = []
for k, i in enumerate(np.sort(rng.choice(n, 120, replace=False))):
    name = "AAPL" if k % 3 else "BTC/USD"
    fills.append(
        Fill(
            ts_event_ns=int(ts[i]),
            order_id=f"o{k}",
            instrument=name,
            side=Side.BUY if k % 2 == 0 else Side.SELL,
            quantity=10.0,
            price=float(prices[name][1][i]),
        )
    )
total = equity[-1] / equity[0] - 1.0
path = write_report(
    ReportInput(
        title="EMA cross 12/26 \u2014 AAPL, BTC/USD (synthetic)",
        equity_ts_ns=ts,
        equity=equity,
        prices=prices,
        fills=fills,
        statistics={
            "total_return": float(total),
            "sharpe_ratio": 1.2345,
            "sortino_ratio": 1.873,
            "trades": len(fills),
            "win_rate": 0.5417,
            "final_equity": float(equity[-1]),
            "commission_paid": 1234.5,
            "engine": "tickwire backtest",
        },
        parameters={"fast": 12, "slow": 26, "position_size": 10.0, "interval": "5m"},
    ),
    sys.argv[1],
)
print(path)
PY

chromium --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
    --disable-background-networking --disable-component-update --disable-sync \
    --user-data-dir="$(mktemp -d)" --screenshot="$out_dir/screenshot.png" \
    --window-size=1280,2400 "file://$out_dir/report.html"
echo "screenshot: $out_dir/screenshot.png"
