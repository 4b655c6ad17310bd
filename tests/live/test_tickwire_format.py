"""tickwire's own feed format: JSON events, optionally numbered."""

from __future__ import annotations

import json

import pytest

from tickwire import DecodeError
from tickwire.events import Bar, Side, Signal, encode_json
from tickwire.live import TickwireFormat

BAR = Bar(ts_event_ns=60, instrument="ACME", open=1, high=2, low=0.5, close=1.5, interval="1m")


def test_an_event_parses_and_a_bar_is_deduplicated_by_its_time() -> None:
    (item,) = TickwireFormat().parse(encode_json(BAR).decode())
    assert item.event == BAR
    assert (item.instrument, item.stream, item.seq, item.step) == ("ACME", "bar:1m", 60, 0)
    signal = Signal(ts_event_ns=1, instrument="ACME", side=Side.BUY, trigger_price=1.5)
    (item,) = TickwireFormat().parse(encode_json(signal))
    assert item.event == signal and item.stream == ""


def test_a_numbered_message_carries_the_feed_wide_sequence() -> None:
    message = f'{{"seq": 17, "event": {encode_json(BAR).decode()}}}'
    (item,) = TickwireFormat().parse(message)
    assert item.event == BAR
    assert (item.instrument, item.stream, item.seq, item.step) == ("*", "seq", 17, 1)


@pytest.mark.parametrize(
    ("message", "why"),
    [
        ('{"seq": -1, "event": {}}', "seq -1 is negative"),
        ('{"seq": 1, "event": {"_type": "Bar"}}', "Bar"),
        ('{"seq": 1, "evnt": {}}', "numbered message"),
        (json.dumps({"_type": "Bar", "ts_event_ns": 1, "instrument": "X", "open": "NaN"}), "Bar"),
        ('{"_type": "Nope", "ts_event_ns": 1}', "unknown event type 'Nope'"),
    ],
)
def test_bad_messages_are_refused(message: str, why: str) -> None:
    with pytest.raises(DecodeError, match=why):
        TickwireFormat().parse(message)


def test_subscribing_names_the_instruments() -> None:
    assert TickwireFormat().subscribe_messages(["ACME", "XYZ"]) == ['{"subscribe":["ACME","XYZ"]}']
    assert TickwireFormat().subscribe_messages([]) == []
