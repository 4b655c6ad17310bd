from tickwire.events import Bar, decode, encode


def test_bar_round_trips_through_msgpack() -> None:
    bar = Bar(ts_event_ns=1, instrument="X", open=1.0, high=2.0, low=0.5, close=1.5)
    assert decode(encode(bar)) == bar
