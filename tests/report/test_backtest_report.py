"""A backtest's report shows each figure once, with one sign, on the cards and in the table."""

from __future__ import annotations

from html.parser import HTMLParser
from pathlib import Path

from tickwire.backtest import Backtest
from tickwire.cli.reporting import report_input
from tickwire.data import read_bars, sample_data_paths
from tickwire.report import format_percent, write_report
from tickwire.strategy.ema_cross import EmaCross


class _Figures(HTMLParser):
    """The headline cards (label -> value) and the statistics table (name -> value)."""

    def __init__(self) -> None:
        super().__init__()
        self.cards: dict[str, str] = {}
        self.table: dict[str, str] = {}
        self._class = ""
        self._label = ""
        self._row: list[str] = []
        self._in_kv = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self._class = dict(attrs).get("class") or ""
        if tag == "table":
            self._in_kv = self._class == "kv"
        elif tag == "tr":
            self._row = []

    def handle_endtag(self, tag: str) -> None:
        if tag == "table":
            self._in_kv = False
        elif tag == "tr" and self._in_kv and len(self._row) == 2:
            self.table[self._row[0]] = self._row[1]

    def handle_data(self, data: str) -> None:
        if self._class == "label":
            self._label = data
        elif self._class.startswith("value"):
            self.cards[self._label] = data
        elif self._in_kv and data.strip():
            self._row.append(data.strip())


def test_cards_and_statistics_agree_in_value_and_sign(tmp_path: Path) -> None:
    source = read_bars([sample_data_paths()[0]])
    result = Backtest(EmaCross, source, cash=100_000).run()
    html = write_report(report_input(result, source), tmp_path)
    page = _Figures()
    page.feed(html.read_text(encoding="utf-8"))

    stats = result.statistics
    assert stats.max_drawdown < 0.0
    drawdown = format_percent(stats.max_drawdown)
    assert drawdown.startswith("-")
    assert page.cards["Max drawdown"] == page.table["max_drawdown"] == drawdown
    total = format_percent(stats.total_return)
    assert page.cards["Total return"] == page.table["total_return"] == total
    assert page.table["win_rate"] == format_percent(stats.win_rate, signed=False)
