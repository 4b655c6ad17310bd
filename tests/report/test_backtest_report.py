"""A backtest's report: each figure once with one sign, the trades, the settings, the
benchmark, the strategy's plotted series and how the ratios were annualised."""

from __future__ import annotations

import csv
import json
import re
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from tickwire.backtest import Backtest
from tickwire.data import read_bars, sample_data_paths, synthetic_bars
from tickwire.events import Bar
from tickwire.execution import PercentCommission
from tickwire.persistence import FILL_COLUMNS
from tickwire.report import backtest_report, format_percent
from tickwire.report._plotly import plotly_bundle
from tickwire.report._tables import MAX_TABLE_ROWS
from tickwire.strategy.ema_cross import EmaCross
from tickwire.strategy.plotting import Plot


class _Figures(HTMLParser):
    """Cards (label -> value), key-value tables (heading -> {name: value}) and tables by
    class (rows of cells)."""

    def __init__(self) -> None:
        super().__init__()
        self.cards: dict[str, str] = {}
        self.tables: dict[str, list[list[str]]] = {}
        self.script_sources: list[str] = []
        self._class = ""
        self._label = ""
        self._table: list[list[str]] | None = None
        self._cell: list[str] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = dict(attrs)
        self._class = attributes.get("class") or ""
        if tag == "script" and attributes.get("src"):
            self.script_sources.append(attributes["src"] or "")
        if tag == "table":
            self._table = self.tables.setdefault(self._class, [])
        elif tag == "tr" and self._table is not None:
            self._table.append([])
        elif tag in ("td", "th") and self._table is not None:
            self._cell = []

    def handle_endtag(self, tag: str) -> None:
        if tag == "table":
            self._table = None
        elif tag in ("td", "th") and self._table is not None and self._cell is not None:
            self._table[-1].append("".join(self._cell).strip())
            self._cell = None

    def handle_data(self, data: str) -> None:
        if self._cell is not None:
            self._cell.append(data)
        elif self._class == "label":
            self._label = data
        elif self._class.startswith("value"):
            self.cards[self._label] = data

    def key_values(self, kind: str = "kv") -> dict[str, str]:
        return {row[0]: row[1] for row in self.tables.get(kind, []) if len(row) == 2}


class Plotted(EmaCross):
    """The reference strategy, drawing its two averages."""

    def on_start(self) -> None:
        super().on_start()
        self.averages = Plot("fast EMA", "slow EMA")

    def on_bar(self, bar: Bar) -> None:
        super().on_bar(bar)
        self.averages.add(bar.ts_event_ns, self.fast_ema.value, self.slow_ema.value)


def _run(
    tmp_path: Path, strategy: type[EmaCross] = EmaCross, **options: object
) -> tuple[Backtest, Any, str, _Figures]:
    source = read_bars([sample_data_paths()[0]])
    engine = Backtest(strategy, source, cash=100_000, **options)  # type: ignore[arg-type]
    result = engine.run()
    html_path = backtest_report(engine, result, tmp_path, source=source, run_id="run-42")
    html = html_path.read_text(encoding="utf-8")
    page = _Figures()
    page.feed(html)
    return engine, result, html, page


def _traces(html: str, key: str) -> dict[str, dict[str, Any]]:
    match = re.search(rf'Plotly\.newPlot\("{key}", (\[.*?\]), \{{"title"', html)
    assert match, key
    return {t["name"]: t for t in json.loads(match.group(1))}


def test_cards_and_statistics_agree_in_value_and_sign(tmp_path: Path) -> None:
    _, result, _, page = _run(tmp_path)
    stats = result.statistics
    table = page.key_values()
    assert stats.max_drawdown < 0.0
    drawdown = format_percent(stats.max_drawdown)
    assert drawdown.startswith("-")
    assert page.cards["Max drawdown"] == table["Max drawdown"] == drawdown
    total = format_percent(stats.total_return)
    assert page.cards["Total return"] == table["Total return"] == total
    assert table["Win rate (net PnL > 0)"] == format_percent(stats.win_rate, signed=False)
    # Durations in a unit, not raw nanoseconds or a float of days.
    days = stats.max_drawdown_duration_ns // 86_400_000_000_000
    assert table["Max drawdown length (time, peak to recovery or end)"].startswith(f"{days:,} d")
    assert not any("_ns" in name for name in table)


def test_trades_table_lists_every_round_trip(tmp_path: Path) -> None:
    _, result, _html, page = _run(tmp_path)
    header, *rows = page.tables["trades"]
    assert header[:4] == ["#", "Instrument", "Side", "Quantity"]
    assert "Bars held" in header and "Duration" in header and "Net PnL" in header
    assert len(rows) == len(result.trades) > 0
    first = result.trades[0]
    cells = dict(zip(header, rows[0], strict=True))
    assert cells["Side"] == "Long"
    assert cells["Entry price"] == f"{first.entry_price:,.6g}"
    assert cells["Net PnL"] == f"{first.pnl:+,.2f}"
    assert cells["Bars held"] == f"{first.bars:,}"
    assert len(page.tables["fills"]) == 1 + len(result.fills)
    with (tmp_path / "trades.csv").open(encoding="utf-8") as handle:
        assert len(list(csv.DictReader(handle))) == len(result.trades)
    with (tmp_path / "fills.csv").open(encoding="utf-8") as handle:
        fills = list(csv.DictReader(handle))
    assert list(fills[0]) == list(FILL_COLUMNS) and len(fills) == len(result.fills)


def test_settings_show_how_the_run_was_set_up(tmp_path: Path) -> None:
    _, result, _, page = _run(tmp_path, broker={"commission": PercentCommission(0.1)})
    settings = page.key_values("kv text")
    assert settings["Run id"] == "run-42"
    assert settings["Data"].endswith("ACME.csv")
    assert settings["Instruments"] == "ACME"
    assert settings["Initial cash"] == "100,000.00"
    assert settings["Commission"] == "PercentCommission(percent=0.1)"
    assert settings["Slippage"] == "none"
    assert "next bar" in settings["Fill rules"] or "from the bar after" in settings["Fill rules"]
    assert settings["Bars"] == f"{result.bars:,}"
    assert settings["tickwire version"]
    assert settings["Wall time"].endswith("s (bar loop)")
    assert settings["Span"].startswith("2018-01-01 \u2013 ")


def test_benchmark_is_buy_and_hold_with_excess_return(tmp_path: Path) -> None:
    _, result, html, page = _run(tmp_path)
    closes = [bar.close for bar in read_bars([sample_data_paths()[0]])]
    held = closes[-1] / closes[0] - 1.0
    assert page.cards["Buy and hold ACME"] == format_percent(held)
    assert page.cards["Excess return"] == format_percent(result.statistics.total_return - held)
    equity = _traces(html, "equity")
    bench = equity["Buy and hold ACME"]["y"]
    assert bench[0] == pytest.approx(100_000.0)
    assert bench[-1] == pytest.approx(100_000.0 * (1 + held), rel=1e-6)
    assert "Exposure (gross, of equity)" in equity


def test_the_strategys_plot_series_are_drawn_on_the_price_chart(tmp_path: Path) -> None:
    engine, result, html, _ = _run(tmp_path, Plotted)
    price = _traces(html, "price_ACME")
    assert {"ACME close", "fast EMA", "slow EMA", "Position"} <= set(price)
    last = engine.strategy.slow_ema.value  # type: ignore[attr-defined]
    assert price["slow EMA"]["y"][-1] == pytest.approx(last, rel=1e-6)
    assert len(price["fast EMA"]["x"]) == result.bars


def test_the_annualisation_is_stated(tmp_path: Path) -> None:
    _, result, html, _ = _run(tmp_path, periods_per_year=252)
    assert result.statistics.periods_per_year == 252
    assert "annualised by \u221a252.0 periods per year (given)" in html
    _, result, html, _ = _run(tmp_path / "b")
    assert result.statistics.annualisation == "sessions"
    assert "bars per trading day" in html and "counted from the data" in html


def test_the_page_loads_nothing_from_the_network(tmp_path: Path) -> None:
    _, _, html, page = _run(tmp_path)
    assert page.script_sources == []
    assert not re.search(r"<(script|link|img|iframe)[^>]+(src|href)=[\"']?https?:", html)
    assert html.count(plotly_bundle()[:400]) == 1


def test_an_open_position_at_the_end_is_flagged(tmp_path: Path) -> None:
    class BuyOnce(EmaCross):
        bought = False

        def on_bar(self, bar: Bar) -> None:
            if self.position() == 0 and not self.bought:
                self.buy(5)
                self.bought = True

    _, _, html, page = _run(tmp_path, BuyOnce)
    assert "Position still open at the end: ACME +5 (1 buy, 0 sells)" in html
    assert "trades" not in page.tables  # no closed trade: the page says so instead
    assert "No closed trades." in html
    assert "1 instruments" not in html
    assert "\u00b7 1 instrument" in html


@pytest.mark.slow
def test_a_long_run_stays_a_reasonable_size(tmp_path: Path) -> None:
    bars = synthetic_bars(300_000, seed=5, gap_probability=0.3)
    engine = Backtest(Plotted, bars, cash=1e9)
    result = engine.run()
    assert len(result.trades) > MAX_TABLE_ROWS
    html = backtest_report(engine, result, tmp_path).read_text(encoding="utf-8")
    assert len(html) - len(plotly_bundle()) < 2_500_000
    assert f"Showing the first {MAX_TABLE_ROWS:,} of {len(result.trades):,} trades" in html
    page = _Figures()
    page.feed(html)
    assert len(page.tables["trades"]) == 1 + MAX_TABLE_ROWS
    price = _traces(html, "price_SYNTH")
    assert len(price["fast EMA"]["x"]) <= 4_000 + 2
    assert np.isfinite(price["fast EMA"]["y"]).all()
