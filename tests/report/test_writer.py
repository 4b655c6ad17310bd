"""The written report: valid self-contained HTML, the right tables, real PNG and CSV files."""

from __future__ import annotations

import io
import json
import re
import struct
import sys
from datetime import UTC, datetime
from html.parser import HTMLParser
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from tickwire.events import Fill, Side
from tickwire.report import MAX_PRICE_CHARTS, ReportInput, write_report
from tickwire.report._plotly import plotly_bundle

_VOID = {"meta", "img", "br", "hr", "link", "input"}
_PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


class _Page(HTMLParser):
    """Checks that tags nest properly and collects tables (by class) and image sources."""

    def __init__(self) -> None:
        super().__init__()
        self.stack: list[str] = []
        self.errors: list[str] = []
        self.tables: dict[str, list[list[str]]] = {}
        self.images: list[str] = []
        self.script_sources: list[str] = []
        self.tags: set[str] = set()
        self._table: list[list[str]] | None = None
        self._cell: list[str] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.add(tag)
        attributes = dict(attrs)
        if tag == "img":
            self.images.append(attributes["src"] or "")
        if tag in ("script", "link", "iframe", "img") and (
            attributes.get("src") or attributes.get("href")
        ):
            self.script_sources.append(attributes.get("src") or attributes.get("href") or "")
        if tag not in _VOID:
            self.stack.append(tag)
        if tag == "table":
            self._table = self.tables.setdefault(attributes.get("class") or "", [])
        elif tag == "tr" and self._table is not None:
            self._table.append([])
        elif tag in ("td", "th"):
            self._cell = []

    def handle_endtag(self, tag: str) -> None:
        if not self.stack or self.stack[-1] != tag:
            self.errors.append(f"</{tag}> closes {self.stack[-1:] or 'nothing'}")
            return
        self.stack.pop()
        if tag in ("td", "th") and self._table is not None and self._cell is not None:
            self._table[-1].append("".join(self._cell).strip())
            self._cell = None
        elif tag == "table":
            self._table = None

    def handle_data(self, data: str) -> None:
        if self._cell is not None:
            self._cell.append(data)


def ns(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> int:
    moment = datetime(year, month, day, hour, minute, tzinfo=UTC)
    return int(moment.timestamp()) * 1_000_000_000


def fill(ts: int, instrument: str, side: Side, price: float) -> Fill:
    return Fill(
        ts_event_ns=ts,
        order_id="o",
        instrument=instrument,
        side=side,
        quantity=1.0,
        price=price,
    )


def small_input(**overrides: object) -> ReportInput:
    ts = [ns(2021, 1, 4), ns(2021, 1, 29), ns(2021, 2, 26), ns(2021, 3, 5)]
    fields: dict[str, object] = {
        "title": "EMA <cross> & co",
        "equity_ts_ns": ts,
        "equity": [1000.0, 1100.0, 990.0, 1089.0],
        "prices": {"AAPL": (ts, [10.0, 11.0, 9.5, 10.5]), "BTC/USD": (ts, [1.0, 2.0, 3.0, 4.0])},
        "fills": [
            fill(ts[1], "AAPL", Side.BUY, 11.0),
            fill(ts[2], "AAPL", Side.SELL, 9.5),
            fill(ts[2], "ETH", Side.BUY, 5.0),
        ],
        "statistics": {"sharpe_ratio": 1.2345, "trades": 1234, "engine": "tickwire"},
        "parameters": {"fast": 12, "slow": 26},
    }
    fields.update(overrides)
    return ReportInput(**fields)  # type: ignore[arg-type]


def parse(path: Path) -> tuple[str, _Page]:
    html = path.read_text(encoding="utf-8")
    page = _Page()
    page.feed(html)
    page.close()
    return html, page


def png_size(data: bytes) -> tuple[int, int]:
    assert data[:8] == _PNG_SIGNATURE
    width, height = struct.unpack(">II", data[16:24])
    return width, height


def test_report_html_is_well_formed_and_self_contained(tmp_path: Path) -> None:
    path = write_report(small_input(), tmp_path / "new" / "dir")
    assert path == tmp_path / "new" / "dir" / "report.html"
    html, page = parse(path)

    assert page.errors == []
    assert page.stack == []
    # Offline: nothing is loaded from anywhere (plotly.js is inline, once).
    assert page.script_sources == []
    assert not page.tags & {"link", "iframe", "object"}
    assert html.count("Plotly.newPlot(") == 3  # equity, AAPL, BTC/USD
    assert html.count(plotly_bundle()[:400]) == 1
    assert "<title>EMA &lt;cross&gt; &amp; co</title>" in html


def figures(html: str) -> dict[str, list[dict[str, object]]]:
    """The traces of each plotly chart on the page, by the chart's element id."""
    found = {}
    for key, traces in re.findall(r'Plotly\.newPlot\("([^"]+)", (\[.*?\]), \{"title"', html):
        found[key] = json.loads(traces)
    return found


def test_charts_are_zoomable_plotly_figures(tmp_path: Path) -> None:
    html, _ = parse(write_report(small_input(), tmp_path))
    charts = figures(html)
    assert set(charts) == {"equity", "price_AAPL", "price_BTC_USD"}
    names = [t["name"] for t in charts["equity"]]
    assert names[:2] == ["Strategy equity", "Buy and hold AAPL"]
    assert "Drawdown" in names
    aapl = {t["name"]: t for t in charts["price_AAPL"]}
    assert aapl["Buy fills (1)"]["y"] == [11.0]
    assert aapl["Sell fills (1)"]["y"] == [9.5]
    assert aapl["Position"]["y"] == [0.0, 1.0, 0.0, 0.0]


@pytest.mark.parametrize("name", ["equity.png", "drawdown.png", "price_AAPL.png"])
def test_charts_are_valid_pngs_of_sensible_size(tmp_path: Path, name: str) -> None:
    write_report(small_input(), tmp_path)
    data = (tmp_path / name).read_bytes()
    width, height = png_size(data)
    assert 1000 <= width <= 2000
    assert 250 <= height <= 800
    with Image.open(io.BytesIO(data)) as image:
        image.verify()
    assert b"http" not in data  # matplotlib's 'Software' chunk carries a URL


def test_statistics_and_parameters_tables(tmp_path: Path) -> None:
    _, page = parse(write_report(small_input(), tmp_path))
    rows = page.tables["kv"]
    assert ["sharpe ratio", "1.2345"] in rows  # an unknown key: spaced, raw value
    assert ["Closed trades", "1,234"] in rows
    assert ["engine", "tickwire"] in rows
    assert ["fast", "12"] in rows
    assert ["slow", "26"] in rows


def test_monthly_table_rows_and_year_total(tmp_path: Path) -> None:
    _, page = parse(write_report(small_input(), tmp_path))
    header, *rows = page.tables["monthly"]
    assert header[0] == "Year"
    assert header[1:4] == ["Jan", "Feb", "Mar"]
    assert header[-1] == "Total"
    assert len(header) == 14
    # 1000 -> 1100 (Jan) -> 990 (Feb) -> 1089 (Mar); the year compounds to +8.9 %.
    assert rows == [["2021", "+10.00%", "-10.00%", "+10.00%"] + ["\u2013"] * 9 + ["+8.90%"]]


def test_headline_figures(tmp_path: Path) -> None:
    html, _ = parse(write_report(small_input(), tmp_path))
    assert "+8.90%" in html  # total return
    assert "-10.00%" in html  # max drawdown: 1100 -> 990
    assert "2021-01-04 \u2013 2021-03-05 UTC" in html


def test_instruments_beyond_the_cap_are_listed_not_charted(tmp_path: Path) -> None:
    ts = [ns(2021, 1, 4), ns(2021, 1, 5)]
    prices = {f"I{k}": (ts, [1.0, 2.0]) for k in range(MAX_PRICE_CHARTS + 2)}
    # I5 has a fill, so it outranks the alphabetically earlier instruments without one.
    data = small_input(
        equity_ts_ns=ts,
        equity=[1.0, 1.5],
        prices=prices,
        fills=[fill(ts[0], "I5", Side.BUY, 1.0)],
    )
    html, _page = parse(write_report(data, tmp_path))
    charted = sorted(p.name for p in tmp_path.glob("price_*.png"))
    assert charted == ["price_I0.png", "price_I1.png", "price_I2.png", "price_I5.png"]
    assert html.count("Plotly.newPlot(") == 1 + MAX_PRICE_CHARTS
    assert "Not charted (2, fewest fills): I3, I4." in html


def test_max_instruments_zero_charts_no_prices(tmp_path: Path) -> None:
    html, _page = parse(write_report(small_input(), tmp_path, max_instruments=0))
    assert html.count("Plotly.newPlot(") == 1
    assert not list(tmp_path.glob("price_*.png"))
    assert "Not charted (2, fewest fills): AAPL, BTC/USD." in html


def test_fills_without_a_price_series_are_mentioned(tmp_path: Path) -> None:
    html, _ = parse(write_report(small_input(), tmp_path))
    assert "Fills without a price series: ETH." in html


def test_instrument_names_cannot_escape_the_directory(tmp_path: Path) -> None:
    ts = [1, 2]
    data = small_input(
        equity_ts_ns=ts,
        equity=[1.0, 1.0],
        prices={"../x": (ts, [1.0, 2.0]), "__x": (ts, [1.0, 2.0]), "x": (ts, [1.0, 2.0])},
        fills=[],
    )
    write_report(data, tmp_path / "out")
    written = sorted(p.name for p in (tmp_path / "out").iterdir())
    assert written == [
        "drawdown.png",
        "equity.png",
        "fills.csv",
        "price_x.png",
        "price_x_2.png",
        "price_x_3.png",
        "report.html",
        "trades.csv",
    ]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]


def test_empty_statistics_and_parameters_say_so(tmp_path: Path) -> None:
    html, _ = parse(write_report(small_input(statistics={}, parameters={}), tmp_path))
    assert "No statistics were reported." in html
    assert "No parameters were given." in html


def test_single_point_report(tmp_path: Path) -> None:
    ts = [ns(2021, 6, 1)]
    data = small_input(equity_ts_ns=ts, equity=[5.0], prices={"X": (ts, [1.0])}, fills=[])
    _, page = parse(write_report(data, tmp_path))
    assert page.errors == []
    assert page.tables["monthly"][1][6] == "+0.00%"


def test_negative_max_instruments_is_rejected(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="max_instruments"):
        write_report(small_input(), tmp_path, max_instruments=-1)


def test_a_million_points(tmp_path: Path) -> None:
    n = 1_000_000
    rng = np.random.default_rng(3)
    ts = ns(2018, 1, 1) + np.arange(n, dtype=np.int64) * 60_000_000_000
    equity = 1e6 * np.exp(np.cumsum(rng.normal(0.0, 1e-4, n)))
    close = 100.0 * np.exp(np.cumsum(rng.normal(0.0, 1e-4, n)))
    picks = np.sort(rng.choice(n, 5_000, replace=False))
    fills = [
        fill(int(ts[i]), "X", Side.BUY if k % 2 else Side.SELL, float(close[i]))
        for k, i in enumerate(picks)
    ]
    data = small_input(equity_ts_ns=ts, equity=equity, prices={"X": (ts, close)}, fills=fills)
    html, page = parse(write_report(data, tmp_path))
    assert page.errors == []
    # Downsampled: the page is the plotly.js bundle (4.8 MB) plus a bounded amount.
    assert len(html) - len(plotly_bundle()) < 1_500_000
    # A million minutes run from 2018-01-01 to 2019-11-25.
    rows = page.tables["monthly"][1:]
    assert [row[0] for row in rows] == ["2018", "2019"]
    assert "\u2013" not in rows[0]
    assert rows[1][11] != "\u2013"
    assert rows[1][12] == "\u2013"
    for name in ("equity.png", "drawdown.png", "price_X.png"):
        assert png_size((tmp_path / name).read_bytes())[0] > 1000


def test_no_pyplot_figures_are_left_behind(tmp_path: Path) -> None:
    write_report(small_input(), tmp_path)
    pyplot = sys.modules.get("matplotlib.pyplot")
    assert pyplot is None or pyplot.get_fignums() == []
