"""``tickwire exchange`` from the shell: its URL on one line, clean stops, one-line errors."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

from websockets.asyncio.client import connect

from .conftest import run, write_bars
from .process import ExchangeProcess, run_cli


def test_it_prints_its_url_serves_the_sample_data_and_stops_on_sigterm() -> None:
    async def first_bar(url: str) -> dict[str, object]:
        async with connect(url) as feed:
            return json.loads(await asyncio.wait_for(feed.recv(), 30))  # type: ignore[no-any-return]

    process = ExchangeProcess("--port", "0", "--speed", "max").start()
    try:
        message = run(lambda: first_bar(process.url))
    finally:
        code = process.terminate()
    assert process.url.startswith("ws://127.0.0.1:")
    assert message["seq"] == 1
    assert message["event"]["_type"] == "Bar"  # type: ignore[index]
    assert message["event"]["instrument"] == "ACME"  # type: ignore[index]
    assert code == 143


def test_binance_format_on_the_default_path(tmp_path: Path) -> None:
    data = write_bars(tmp_path / "BTCUSDT.csv", [100.0, 101.0, 102.0])

    async def kline(url: str) -> dict[str, object]:
        async with connect(url) as feed:
            request = {"method": "SUBSCRIBE", "params": ["btcusdt@kline_1d"], "id": 1}
            await feed.send(json.dumps(request))
            answer = json.loads(await feed.recv())
            assert answer == {"result": None, "id": 1}
            return json.loads(await asyncio.wait_for(feed.recv(), 30))  # type: ignore[no-any-return]

    with ExchangeProcess("--data", data, "--port", "0", "--format", "binance") as process:
        message = run(lambda: kline(process.url))
    assert message["e"] == "kline" and message["s"] == "BTCUSDT"
    k = message["k"]
    assert k["t"] == 1_704_067_200_000 and k["x"] is True and k["i"] == "1d"  # type: ignore[index]
    assert k["o"] == "100.0"  # type: ignore[index]


def test_usage_errors_are_one_line_and_exit_2(tmp_path: Path) -> None:
    bad_row = tmp_path / "BAD.csv"
    bad_row.write_text("ts,open,high,low,close,volume\n2024-01-01,1,2,0.5,1,-5\n")
    cases = {
        ("--data", "missing.csv"): "data file not found: missing.csv",
        ("--data", str(bad_row)): "line 2",
        ("--speed", "fast"): "--speed",
        ("--lose-acks", "2"): "--lose-acks",
    }
    for args, expected in cases.items():
        result = run_cli(*args, "--port", "0")
        assert result.returncode == 2, (args, result.stderr)
        assert expected in result.stderr, (args, result.stderr)
        assert result.stdout == ""
