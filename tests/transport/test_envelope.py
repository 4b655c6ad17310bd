"""The wire format: frames round-trip, and every rule a frame can break is named."""

from __future__ import annotations

import math

import msgspec
import pytest

from tickwire.events import Bar, DecodeError, Signal, SignalAck, Tick
from tickwire.transport import WIRE_FORMAT_VERSION, FrameEncoder, decode_frame, topic_for


def _tick(instrument: str = "ACME", bid: float = 1.0) -> Tick:
    return Tick(ts_event_ns=5, instrument=instrument, bid=bid, ask=2.0)


def test_a_batch_round_trips_with_its_topic_sender_and_sequence() -> None:
    ticks = [_tick(), _tick(bid=1.5)]
    frame = bytes(FrameEncoder("gw").frame(b"TICK.ACME", "Tick", 41, ticks))
    assert frame.startswith(b"TICK.ACME \x95\x01\xa4Tick\xa2gw\x29\x92")  # the documented bytes
    message = decode_frame(frame)
    assert (message.topic, message.sender, message.seq) == ("TICK.ACME", "gw", 41)
    assert message.events == ticks


def test_topics_name_the_kind_and_the_instrument() -> None:
    bar = Bar(ts_event_ns=1, instrument="BTC USDT", open=1, high=1, low=1, close=1)
    signal = Signal(ts_event_ns=1, instrument="ACME", side=Signal.BUY, trigger_price=1.0)
    assert topic_for(_tick()) == "TICK.ACME"
    assert topic_for(bar) == "BAR.BTC_USDT"
    assert topic_for(signal) == "SIGNAL.ACME"
    assert topic_for(SignalAck(ts_event_ns=1, signal_id="x", sender="s1")) == "ACK.s1"


def test_elements_after_the_events_are_ignored() -> None:
    tick = _tick()
    body = msgspec.msgpack.encode([WIRE_FORMAT_VERSION, "Tick", "gw", 0, [tick], "later"])
    assert decode_frame(b"TICK.ACME " + body).events == [tick]


def _body(*items: object) -> bytes:
    return msgspec.msgpack.encode(list(items))


@pytest.mark.parametrize(
    ("frame", "says"),
    [
        (b"TICK.ACME", "no space within the first 257 bytes"),
        (b"\xff\xfe " + _body(1, "Tick", "gw", 0, []), "the topic is not UTF-8"),
        (b"TICK.ACME \xc1", "envelope (topic 'TICK.ACME'):"),
        (
            b"TICK.ACME " + _body(2, "Tick", "gw", 0, [{}]),
            "version 2, this decoder reads version 1",
        ),
        (b"TICK.ACME " + _body(1, "Tick", "gw", -1, [{}]), "seq must be >= 0"),
        (b"TICK.ACME " + _body(1, "Tick", "gw", 0, []), "events is empty"),
        (b"TICK.ACME " + _body(1, "Tick", 7, 0, []), "Expected `str`, got `int` - at `$[2]`"),
        (
            b"TICK.ACME " + _body(1, "Tick", "gw", 0, [{"_type": "Nope"}]),
            "unknown event type 'Nope'",
        ),
    ],
)
def test_a_bad_frame_is_refused_saying_why(frame: bytes, says: str) -> None:
    with pytest.raises(DecodeError) as caught:
        decode_frame(frame)
    assert says in str(caught.value)


def test_each_event_is_checked_by_the_codec_and_must_match_the_envelope() -> None:
    encoder = FrameEncoder("gw")
    with pytest.raises(DecodeError, match=r"events\[1\]: .*bid"):
        decode_frame(bytes(encoder.frame(b"TICK.ACME", "Tick", 0, [_tick(), _tick(bid=math.nan)])))
    with pytest.raises(DecodeError, match="a 'Tick' in an envelope of type 'Bar'"):
        decode_frame(bytes(encoder.frame(b"TICK.ACME", "Bar", 0, [_tick()])))
    with pytest.raises(DecodeError, match=r"belongs on topic 'TICK\.OTHER'"):
        decode_frame(bytes(encoder.frame(b"TICK.ACME", "Tick", 0, [_tick("OTHER")])))
