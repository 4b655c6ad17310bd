"""The design documents' event API: the keyword ``Event(event_type=...)``, ``EventType``
as an enum (values, iteration, extension by subclassing) and the error a dataclass-style
event class gets where it is written."""

from __future__ import annotations

import dataclasses
import enum
import textwrap

import pytest

from tickwire.events import (
    Bar,
    Event,
    EventBase,
    EventType,
    Signal,
    decode,
    decode_json,
    encode,
    encode_json,
)

SEED_002_VALUES = {
    "MARKET_DATA": 1,
    "ORDER_UPDATE": 2,
    "TRADE_UPDATE": 3,
    "STRATEGY_UPDATE": 4,
    "ERROR": 5,
    "INFO": 6,
    "SYSTEM": 7,
}


# -- Event(event_type=...) --------------------------------------------------------------


def test_keyword_form_is_the_positional_form() -> None:
    keyword = Event(
        event_type=EventType.MARKET_DATA,
        data={"symbol": "ETH-USD", "price": 3500.25, "volume": 10.5},
        source="exchange_connector",
        ts_event_ns=5,
        ts_created_ns=6,
    )
    positional = Event(
        EventType.MARKET_DATA,
        {"symbol": "ETH-USD", "price": 3500.25, "volume": 10.5},
        source="exchange_connector",
        ts_event_ns=5,
        ts_created_ns=6,
    )
    assert keyword == positional
    assert keyword.type is EventType.MARKET_DATA
    assert keyword.data["price"] == 3500.25
    assert keyword.source == "exchange_connector"


@pytest.mark.parametrize(("enc", "dec"), [(encode, decode), (encode_json, decode_json)])
def test_keyword_form_round_trips_with_its_category(enc: object, dec: object) -> None:
    event = Event(event_type=EventType.ORDER_UPDATE, data={"order_id": "12345"}, source="x")
    back = dec(enc(event))  # type: ignore[operator]
    assert back == event
    assert back.type is EventType.ORDER_UPDATE


def test_category_given_twice_is_refused() -> None:
    with pytest.raises(TypeError, match="once"):
        Event(EventType.INFO, event_type=EventType.INFO)
    with pytest.raises(TypeError, match="once"):
        Event(type=EventType.INFO, event_type=EventType.INFO)


def test_unknown_category_in_keyword_form_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown event type 'NOPE_NOT_DEFINED'"):
        Event(event_type="NOPE_NOT_DEFINED", data={})


def test_a_category_from_an_enum_of_ones_own_says_to_subclass_event_type() -> None:
    class OwnEventType(enum.Enum):  # what a reader copying seed 002 literally writes
        ML_SCORE_SEEDTEST = 100

    expected = r"class MyEventType\(EventType\): ML_SCORE_SEEDTEST = 100"
    with pytest.raises(ValueError, match=expected):
        Event(event_type=OwnEventType.ML_SCORE_SEEDTEST, data={})


# -- EventType as an enum -----------------------------------------------------------------


def test_built_in_members_have_the_documents_values_and_names() -> None:
    for name, value in SEED_002_VALUES.items():
        member = getattr(EventType, name)
        assert member.name == name
        assert member.value == value
        assert EventType(value) is member
        assert EventType[name] is member
        assert EventType(name) is member


def test_event_type_iterates_sizes_and_contains_like_an_enum() -> None:
    members = list(EventType)
    assert [m.name for m in members[:7]] == list(SEED_002_VALUES)
    assert len(EventType) == len(members)
    assert EventType.BAR in EventType
    assert "BAR" in EventType
    assert "NOT_A_CATEGORY" not in EventType
    assert members == list(EventType.members())
    with pytest.raises(KeyError):
        EventType["NOT_A_CATEGORY"]
    with pytest.raises(ValueError, match="unknown event type 999999"):
        EventType(999999)


def test_subclass_with_explicit_values_extends_event_type() -> None:
    class SeedTestEventType(EventType):
        SEEDTEST_PREDICTION = 5100
        SEEDTEST_ANOMALY = 5101

        def describe(self) -> str:  # methods are not members
            return self.name.lower()

    member = SeedTestEventType.SEEDTEST_PREDICTION
    assert member.value == 5100 and member.name == "SEEDTEST_PREDICTION"
    assert EventType.SEEDTEST_PREDICTION is member  # type: ignore[attr-defined]
    assert EventType(5101) is SeedTestEventType.SEEDTEST_ANOMALY
    assert isinstance(member, EventType) and isinstance(member, SeedTestEventType)
    assert repr(member) == "SeedTestEventType.SEEDTEST_PREDICTION"
    assert member.describe() == "seedtest_prediction"
    names = [m.name for m in SeedTestEventType]
    assert names[:7] == list(SEED_002_VALUES)  # "# Existing types..."
    assert names[-2:] == ["SEEDTEST_PREDICTION", "SEEDTEST_ANOMALY"]
    assert SeedTestEventType.MARKET_DATA is EventType.MARKET_DATA
    assert decode(encode(Event(member, {"score": 0.9}))).type is member


def test_a_subclass_shows_its_own_members_not_a_siblings() -> None:
    class SeedTestLeft(EventType):
        SEEDTEST_LEFT = 5200

    class SeedTestRight(EventType):
        SEEDTEST_RIGHT = 5201

    left = [m.name for m in SeedTestLeft]
    assert "SEEDTEST_LEFT" in left and "SEEDTEST_RIGHT" not in left
    assert {"SEEDTEST_LEFT", "SEEDTEST_RIGHT"} <= {m.name for m in EventType}


def test_declaring_the_same_members_again_is_harmless() -> None:
    def declare() -> type[EventType]:
        class SeedTestAgain(EventType):
            SEEDTEST_AGAIN = 5300

        return SeedTestAgain

    first, second = declare(), declare()  # a notebook cell run twice
    assert first.SEEDTEST_AGAIN is second.SEEDTEST_AGAIN  # type: ignore[attr-defined]
    assert "SEEDTEST_AGAIN" in [m.name for m in second]


def test_conflicting_values_are_refused() -> None:
    class SeedTestFirst(EventType):
        SEEDTEST_FIXED = 5400

    with pytest.raises(ValueError, match="already defined with the value 5400"):

        class SeedTestOther(EventType):
            SEEDTEST_FIXED = 5401

    with pytest.raises(ValueError, match=r"the value 1 is taken by EventType\.MARKET_DATA"):
        EventType.define("SEEDTEST_CLASH", 1)
    assert "SEEDTEST_CLASH" not in EventType
    with pytest.raises(TypeError, match="takes an int value"):

        class SeedTestText(EventType):
            SEEDTEST_TEXT = "text"

    with pytest.raises(TypeError, match="must be an int"):
        EventType.define("SEEDTEST_BOOL", True)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="attribute of EventType"):
        EventType.define("define")


def test_define_numbers_members_and_accepts_a_first_explicit_value() -> None:
    auto = EventType.define("SEEDTEST_AUTO")
    assert auto.value == max(m.value for m in EventType if m is not auto) + 1
    assert EventType.define("SEEDTEST_AUTO") is auto
    given = EventType.define("SEEDTEST_AUTO", 5500)  # first explicit value: taken
    assert given is auto and auto.value == 5500 and EventType(5500) is auto
    with pytest.raises(ValueError, match="already defined"):
        EventType.define("SEEDTEST_AUTO", 5501)
    later = EventType.define("SEEDTEST_AFTER")
    assert later.value > 5500


# -- the dataclass decorator --------------------------------------------------------------


def _decorate(options: dict[str, bool], base: type[EventBase]) -> type:
    @dataclasses.dataclass(**options)
    class BarReceived(base):  # type: ignore[valid-type,misc]
        symbol: str
        close: float

    return BarReceived


@pytest.mark.parametrize(
    "options", [{"kw_only": True, "frozen": True, "slots": True}, {"frozen": True}, {}]
)
def test_dataclass_decorator_fails_with_the_supported_form(options: dict[str, bool]) -> None:
    with pytest.raises(TypeError) as caught:
        _decorate(options, EventBase)
    message = str(caught.value)
    assert "@dataclasses.dataclass cannot make BarReceived an event" in message
    assert "class BarReceived(EventBase, frozen=True, kw_only=True):" in message
    assert "    symbol: str\n    close: float" in message
    assert "register_event_type" in message


def test_the_form_the_message_shows_works() -> None:
    with pytest.raises(TypeError) as caught:
        _decorate({"kw_only": True, "frozen": True, "slots": True}, EventBase)
    lines = str(caught.value).splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("class "))
    source = "\n".join(lines[start : start + 3])
    namespace: dict[str, object] = {"EventBase": EventBase}
    exec(compile(textwrap.dedent(source), "message", "exec"), namespace)
    cls = namespace["BarReceived"]
    event = cls(ts_event_ns=1, symbol="ES", close=5000.25)  # type: ignore[operator]
    assert event.symbol == "ES" and event.ts_created_ns > 0
    with pytest.raises(AttributeError):
        event.close = 1.0


def test_the_message_names_the_built_in_base_subclassed() -> None:
    with pytest.raises(TypeError, match=r"class BarReceived\(Signal, frozen=True, kw_only=True\)"):
        _decorate({}, Signal)


def test_events_are_still_not_dataclasses_to_everyone_else() -> None:
    bar = Bar(ts_event_ns=1, instrument="X", open=1.0, high=1.0, low=1.0, close=1.0)
    assert not dataclasses.is_dataclass(bar)
    assert not dataclasses.is_dataclass(Bar)
    assert not hasattr(EventBase, "__dataclass_fields__")
    with pytest.raises(TypeError):
        dataclasses.fields(bar)  # type: ignore[arg-type]
    assert decode(encode(bar)) == bar
