"""Fuzzes the event decoders: every input must decode to a valid event or raise DecodeError.

Usage: python benchmarks/fuzz_codec.py [--inputs N] [--seed S] [--show K]

For each decoder (msgpack ``decode``, JSON ``decode_json``) it feeds N inputs (250,000 by
default, from a fixed seed) made by:

- byte mutations of valid encodings of every built-in event type (flips, inserts,
  deletions, truncations, splices of two encodings);
- field mutations: a valid encoding decoded to plain data, one map anywhere in it (nested
  events included) given an unusual value (NaN, infinities, zero and negative numbers,
  ints outside int64, empty strings, wrong types, deep nesting), a wrong or abstract tag,
  a missing field or an unknown extra field, then encoded again;
- random structures, and nesting thousands of levels deep.

It prints, per decoder, the inputs tried, how many were rejected with DecodeError, the
exceptions other than DecodeError (by type, with an example), and the decoded events that
break a rule: a value the event type forbids (checked here, independently of the codec's
own checks), an abstract type, a nested event left as a raw map, or an event that cannot
be encoded again to the same event. Exit status 1 when either of the last two counts is
not zero.
"""

from __future__ import annotations

import argparse
import collections
import json
import math
import random
import sys
import time
from collections.abc import Callable, Iterator
from typing import Any

import msgspec

from tickwire.events import (
    BUILTIN_EVENT_TYPES,
    Bar,
    CancelOrder,
    DecodeError,
    ErrorEvent,
    Event,
    EventType,
    Fill,
    Heartbeat,
    InfoEvent,
    KillSwitch,
    LifecycleEvent,
    LifecycleState,
    OrderAccepted,
    OrderCancelled,
    OrderFilled,
    OrderPartiallyFilled,
    OrderRejected,
    OrderSubmitted,
    OrderType,
    PositionChanged,
    Side,
    Signal,
    SubmitOrder,
    Tick,
    TimeInForce,
    Trade,
    decode,
    decode_json,
    encode,
    encode_json,
)

INT64 = (-(2**63), 2**63 - 1)
CONCRETE = BUILTIN_EVENT_TYPES
TAGS = [cls.__name__ for cls in CONCRETE] + ["OrderUpdate", "EventBase", "_GenericBase", "Nope"]


def corpus() -> list[Any]:
    """Valid events of every built-in type, some nesting others."""
    ts = {"ts_event_ns": 1_700_000_000_000_000_000, "ts_created_ns": 1_700_000_000_000_000_001}
    order = SubmitOrder(
        **ts,
        instrument="ACME",
        side=Side.BUY,
        quantity=10.0,
        order_type=OrderType.LIMIT,
        limit_price=99.5,
        stop_price=None,
        time_in_force=TimeInForce.DAY,
        take_profit=110.0,
        stop_loss=90.0,
        strategy_name="s",
        signal_id="sig",
        order_id="ord",
        id="req",
    )
    bar = Bar(**ts, instrument="ACME", open=10.0, high=11.0, low=9.5, close=10.5, volume=3.0)
    fill = Fill(
        **ts,
        order_id="ord",
        instrument="ACME",
        side=Side.SELL,
        quantity=2.0,
        price=10.25,
        commission=0.5,
        signal_id="sig",
        strategy_name="s",
        id="f",
    )
    inner_error = ErrorEvent(**ts, component="c", error="e", error_type="E", original_event=fill)
    return [
        Tick(**ts, instrument="ACME", bid=10.0, ask=10.5, bid_size=1.0, ask_size=2.0),
        Trade(**ts, instrument="ACME", price=10.25, size=3.0),
        bar,
        Signal(
            **ts,
            instrument="ACME",
            side=Side.BUY,
            trigger_price=10.0,
            quantity=1.0,
            strategy_name="s",
            confidence=0.5,
            id="sig",
        ),
        order,
        KillSwitch(**ts, engaged=True, reason="r"),
        CancelOrder(**ts, order_id="ord", instrument="ACME", id="c"),
        OrderSubmitted(
            **ts, order_id="ord", instrument="ACME", signal_id="sig", id="u", order=order
        ),
        OrderAccepted(**ts, order_id="ord", instrument="ACME", id="u"),
        OrderRejected(**ts, order_id="ord", instrument="ACME", id="u", reason="no"),
        OrderPartiallyFilled(
            **ts,
            order_id="ord",
            instrument="ACME",
            id="u",
            filled_quantity=1.0,
            remaining_quantity=2.0,
            avg_fill_price=10.0,
        ),
        OrderFilled(
            **ts, order_id="ord", instrument="ACME", id="u", filled_quantity=3.0, avg_fill_price=1.0
        ),
        OrderCancelled(**ts, order_id="ord", instrument="ACME", id="u", reason="r"),
        fill,
        PositionChanged(**ts, instrument="ACME", quantity=-2.0, avg_price=10.0, realized_pnl=1.5),
        ErrorEvent(**ts, component="c", error="e", error_type="E", original_event=bar),
        ErrorEvent(**ts, component="c", error="e", original_event=inner_error),
        ErrorEvent(**ts, component="c", error="e", original_event="raw message"),
        InfoEvent(**ts, component="c", message="m"),
        LifecycleEvent(**ts, component="c", state=LifecycleState.STARTED, detail="d"),
        Heartbeat(**ts, component="c", sequence=7),
        Event(type=EventType.BAR, data={"price": 1.5, "n": [1, 2]}, source="x", **ts),
    ]


# ---------------------------------------------------------------- what a valid event is

_POSITIVE_PRICE = {
    Bar: ("open", "high", "low", "close"),
    Tick: ("bid", "ask"),
    Trade: ("price",),
    Fill: ("price",),
    SubmitOrder: ("limit_price", "stop_price", "take_profit", "stop_loss"),
}
_POSITIVE = {Trade: ("size",), SubmitOrder: ("quantity",), Fill: ("quantity",)}
_NON_NEGATIVE = {
    Bar: ("volume",),
    Tick: ("bid_size", "ask_size"),
    Signal: ("quantity",),
    OrderPartiallyFilled: ("filled_quantity", "remaining_quantity", "avg_fill_price"),
    OrderFilled: ("filled_quantity", "avg_fill_price"),
    PositionChanged: ("avg_price",),
}
_NON_EMPTY = ("instrument", "id", "order_id", "signal_id")


def _payload_problem(value: Any, depth: int = 0) -> str | None:
    if depth > 200:
        return "payload nested over 200 levels"
    if value is None or isinstance(value, (bool, str)):
        return None
    if isinstance(value, int):
        return None if INT64[0] <= value <= INT64[1] else f"payload int {value} outside int64"
    if isinstance(value, float):
        return None if math.isfinite(value) else f"payload float {value}"
    if isinstance(value, (list, tuple)):
        for item in value:
            problem = _payload_problem(item, depth + 1)
            if problem:
                return problem
        return None
    if isinstance(value, dict):
        for key, item in value.items():
            if not isinstance(key, str):
                return f"payload key {key!r} is not a string"
            problem = _payload_problem(item, depth + 1)
            if problem:
                return problem
        return None
    return f"payload value of type {type(value).__name__}"


def problem(event: Any) -> str | None:
    """Why ``event`` should not have been accepted, or None."""
    kind = type(event)
    name = kind.__name__
    if kind not in CONCRETE:
        return f"abstract or unknown type {name}"
    for field in msgspec.structs.fields(kind):
        value = getattr(event, field.name)
        where = f"{name}.{field.name}"
        if isinstance(value, float) and not math.isfinite(value):
            return f"{where} = {value}"
        is_int = isinstance(value, int) and not isinstance(value, bool)
        if is_int and not INT64[0] <= value <= INT64[1]:
            return f"{where} = {value} outside int64"
        optional = kind is CancelOrder and field.name == "instrument"
        named = field.name in _NON_EMPTY and not optional and isinstance(value, str)
        if named and not value.strip():
            return f"{where} is empty"
    for field_name in _POSITIVE_PRICE.get(kind, ()):
        value = getattr(event, field_name)
        if value is not None and not value > 0:
            return f"{name}.{field_name} = {value} not above 0"
    for field_name in _POSITIVE.get(kind, ()):
        if not getattr(event, field_name) > 0:
            return f"{name}.{field_name} not above 0"
    for field_name in _NON_NEGATIVE.get(kind, ()):
        if not getattr(event, field_name) >= 0:
            return f"{name}.{field_name} negative"
    if kind is Bar and not (
        event.low <= min(event.open, event.close) <= max(event.open, event.close) <= event.high
    ):
        return "Bar outside low..high"
    if kind is Tick and event.ask < event.bid:
        return "Tick crossed"
    if kind is Signal and not 0 <= event.confidence <= 1:
        return "Signal.confidence outside [0, 1]"
    if kind is Heartbeat and event.sequence < 0:
        return "Heartbeat.sequence negative"
    if kind is OrderSubmitted:
        return problem(event.order)
    if kind is ErrorEvent:
        original = event.original_event
        if hasattr(original, "__struct_fields__"):
            # The event that failed, kept as evidence: held only to what both codecs carry.
            return _payload_problem(msgspec.to_builtins(original))
        if isinstance(original, dict) and "_type" in original:
            return "ErrorEvent.original_event: a nested event left as a raw map"
        return _payload_problem(original)
    if kind is Event:
        return _payload_problem(event.data)
    return None


def round_trip_problem(event: Any) -> str | None:
    """Why ``event`` does not encode again to itself in both formats, or None."""
    try:
        if decode(encode(event)) != event:
            return "msgpack re-encoding changes it"
        if decode_json(encode_json(event)) != event:
            return "JSON re-encoding changes it"
    except Exception as exc:  # anything at all: this is what is being counted
        return f"re-encoding raises {type(exc).__name__}: {exc}"
    return None


# ---------------------------------------------------------------- inputs

_DEEP_MARK = "\x00deep\x00"


def _interesting(rng: random.Random, for_json: bool) -> Any:
    choices: list[Any] = [
        math.nan,
        math.inf,
        -math.inf,
        0.0,
        -0.0,
        -1.0,
        -1e-300,
        1e308,
        -1e308,
        5e-324,
        2**63,
        2**63 - 1,
        -(2**63),
        -(2**63) - 1,
        2**64 - 1,
        "",
        " ",
        "x",
        "BUY",
        "SELL",
        "NOPE",
        None,
        True,
        False,
        [],
        {},
        [1, 2],
        {"_type": rng.choice(TAGS), "ts_event_ns": 1},
        {"_type": "Bar", "ts_event_ns": 1, "instrument": "A", "open": -1.0},
        rng.uniform(-1e6, 1e6),
        rng.randint(-(2**70), 2**70),
        _DEEP_MARK,
    ]
    if for_json:
        choices += [10**29, -(10**29), "1e999"]
    return rng.choice(choices)


def _maps(value: Any) -> Iterator[dict[str, Any]]:
    if isinstance(value, dict):
        yield value
        for item in value.values():
            yield from _maps(item)
    elif isinstance(value, list):
        for item in value:
            yield from _maps(item)


def _mutate_structure(rng: random.Random, plain: Any, for_json: bool) -> Any:
    target = rng.choice(list(_maps(plain)))
    action = rng.random()
    keys = list(target)
    if action < 0.6 and keys:
        target[rng.choice(keys)] = _interesting(rng, for_json)
    elif action < 0.75:
        target["_type"] = rng.choice(TAGS)
    elif action < 0.85 and keys:
        del target[rng.choice(keys)]
    else:
        target[rng.choice(["extra", "zz", "_x"])] = _interesting(rng, for_json)
    return plain


def _deep_msgpack(rng: random.Random) -> bytes:
    depth = rng.choice([900, 1000, 1500, 5000, 20000])
    return (b"\x91" if rng.random() < 0.5 else b"\x81\xa1k") * depth + b"\xc0"


def _deep_json(rng: random.Random) -> bytes:
    depth = rng.choice([900, 1000, 1500, 5000, 20000])
    if rng.random() < 0.5:
        return b"[" * depth + b"]" * depth
    return b'{"k":' * depth + b"null" + b"}" * depth


def _msgpack_of(rng: random.Random, plain: Any) -> bytes:
    mark = msgspec.msgpack.encode(_DEEP_MARK)
    raw = msgspec.msgpack.encode(plain)
    return raw.replace(mark, _deep_msgpack(rng)) if mark in raw else raw


def _json_of(rng: random.Random, plain: Any) -> bytes:
    mark = json.dumps(_DEEP_MARK).encode()
    raw = json.dumps(plain, allow_nan=rng.random() < 0.5).encode()
    return raw.replace(mark, _deep_json(rng)) if mark in raw else raw


def _random_value(rng: random.Random, depth: int = 0) -> Any:
    kind = rng.randrange(9 if depth < 6 else 6)
    if kind == 0:
        return rng.choice([None, True, False])
    if kind == 1:
        return rng.choice([rng.randint(-(2**63), 2**64 - 1), rng.randint(-100, 100)])
    if kind == 2:
        return rng.choice([rng.uniform(-1e9, 1e9), math.nan, math.inf])
    if kind == 3:
        return rng.choice(["", "x", "Bar", "_type", "é" * rng.randrange(4)])
    if kind == 4:
        return rng.randbytes(rng.randrange(8))
    if kind == 5:
        return msgspec.msgpack.Ext(rng.randrange(-128, 128), rng.randbytes(rng.randrange(4)))
    if kind == 6:
        return [_random_value(rng, depth + 1) for _ in range(rng.randrange(4))]
    if kind == 7:
        return {str(i): _random_value(rng, depth + 1) for i in range(rng.randrange(4))}
    return {"_type": rng.choice(TAGS), "ts_event_ns": _random_value(rng, depth + 1)}


def _jsonable(value: Any) -> Any:
    if isinstance(value, (bytes, msgspec.msgpack.Ext)):
        return "b"
    if isinstance(value, list):
        return [_jsonable(v) for v in value]
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    return value


def _bytes_mutation(rng: random.Random, raw: bytes, other: bytes) -> bytes:
    data = bytearray(raw)
    for _ in range(rng.randint(1, 4)):
        action = rng.randrange(5)
        position = rng.randrange(len(data) + 1)
        if action == 0 and data:
            data[min(position, len(data) - 1)] = rng.randrange(256)
        elif action == 1:
            data[position:position] = rng.randbytes(rng.randint(1, 4))
        elif action == 2:
            del data[position : position + rng.randint(1, 4)]
        elif action == 3:
            data = data[:position]
        else:
            cut = rng.randrange(len(other) + 1)
            data = data[:position] + other[cut:]
    return bytes(data)


def inputs(rng: random.Random, n: int, for_json: bool) -> Iterator[bytes]:
    """``n`` fuzzing inputs for the JSON decoder (``for_json``) or the msgpack one."""
    events = corpus()
    encodings = [encode_json(e) if for_json else encode(e) for e in events]
    for _ in range(n):
        roll = rng.random()
        raw = rng.choice(encodings)
        if roll < 0.35:
            yield _bytes_mutation(rng, raw, rng.choice(encodings))
        elif roll < 0.9:
            plain = json.loads(raw) if for_json else msgspec.msgpack.decode(raw)
            plain = _mutate_structure(rng, plain, for_json)
            if rng.random() < 0.3:
                plain = _mutate_structure(rng, plain, for_json)
            try:
                yield _json_of(rng, plain) if for_json else _msgpack_of(rng, plain)
            except (OverflowError, ValueError):  # an int msgpack cannot hold: JSON gets those
                yield raw
        elif roll < 0.95:
            value = _random_value(rng)
            yield (
                json.dumps(_jsonable(value)).encode() if for_json else msgspec.msgpack.encode(value)
            )
        else:
            yield _deep_json(rng) if for_json else _deep_msgpack(rng)


# ---------------------------------------------------------------- the run


def fuzz(name: str, decoder: Callable[[bytes], Any], stream: Iterator[bytes], show: int) -> bool:
    tried = rejected = accepted = 0
    crashes: collections.Counter[str] = collections.Counter()
    invalid: collections.Counter[str] = collections.Counter()
    examples: dict[str, bytes] = {}
    start = time.perf_counter()
    for data in stream:
        tried += 1
        try:
            event = decoder(data)
        except DecodeError:
            rejected += 1
            continue
        except Exception as exc:  # anything at all: this is what is being counted
            key = f"{type(exc).__name__}: {str(exc)[:80]}"
            crashes[key] += 1
            examples.setdefault(key, data)
            continue
        accepted += 1
        why = problem(event) or round_trip_problem(event)
        if why is not None:
            key = why.split(" = ")[0][:90]
            invalid[key] += 1
            examples.setdefault(key, data)
    seconds = time.perf_counter() - start
    print(
        f"{name}: {tried} inputs in {seconds:.0f} s, {rejected} rejected with DecodeError, "
        f"{accepted} accepted"
    )
    print(f"  exceptions other than DecodeError: {sum(crashes.values())}")
    for key, count in crashes.most_common(show):
        print(f"    {count:7d}  {key}  e.g. {examples[key][:60]!r}")
    print(f"  accepted events with invalid values: {sum(invalid.values())}")
    for key, count in invalid.most_common(show):
        print(f"    {count:7d}  {key}  e.g. {examples[key][:60]!r}")
    return not crashes and not invalid


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--inputs", type=int, default=250_000, help="inputs per decoder")
    parser.add_argument("--seed", type=int, default=10)
    parser.add_argument("--show", type=int, default=12, help="kinds of failure listed")
    args = parser.parse_args()
    ok = fuzz(
        "decode (msgpack)", decode, inputs(random.Random(args.seed), args.inputs, False), args.show
    )
    ok &= fuzz(
        "decode_json", decode_json, inputs(random.Random(args.seed), args.inputs, True), args.show
    )
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
