"""The compiled shortcut of the bar check never lets through what the rules refuse."""

from __future__ import annotations

import math
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from tickwire.events import Bar, Tick, market_data_problem
from tickwire.node._feed import plainly_valid

PRICES = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True),
    st.sampled_from([0.0, -0.0, -1.0, 1e-300, 100.0, math.nan, math.inf, -math.inf]),
    st.integers(min_value=-5, max_value=200),
    st.booleans(),
    st.none(),
    st.text(max_size=2),
)
HOSTILE = {
    "ts_event_ns": st.one_of(
        st.integers(min_value=-(2**64), max_value=2**64),
        st.sampled_from([2**63, -(2**63) - 1, 2**63 - 1]),
        st.floats(allow_nan=True),
        st.booleans(),
        st.none(),
    ),
    "instrument": st.one_of(st.sampled_from(["", " ", "\t\n", "X"]), st.none(), st.integers()),
    **{name: PRICES for name in ("open", "high", "low", "close", "volume")},
}


@st.composite
def plain_bars(draw: st.DrawFn) -> dict[str, Any]:
    """The fields of a valid bar of floats (prices may be negative)."""
    low = draw(st.floats(min_value=-1e6, max_value=1e6))
    high = low + draw(st.floats(min_value=0.0, max_value=1e3))
    inside = st.floats(min_value=low, max_value=high)
    return {
        "ts_event_ns": draw(st.integers(min_value=-(2**63), max_value=2**63 - 1)),
        "instrument": draw(st.sampled_from(["X", "AAPL", " X"])),
        "open": draw(inside),
        "high": high,
        "low": low,
        "close": draw(inside),
        "volume": draw(st.floats(min_value=0.0, max_value=1e9)),
    }


@st.composite
def bars_one_field_off(draw: st.DrawFn) -> Bar:
    """A valid bar of floats, or one with a single field replaced by anything."""
    fields = draw(plain_bars())
    name = draw(st.sampled_from([None, *HOSTILE]))
    if name is not None:
        fields[name] = draw(HOSTILE[name])
    return Bar(**fields)


@settings(max_examples=1_000)  # each field's edge cases need a few hundred draws to come up
@given(bar=bars_one_field_off(), allow=st.booleans())
def test_the_shortcut_vouches_only_for_bars_the_rules_accept(bar: Bar, allow: bool) -> None:
    if plainly_valid(bar, allow):
        assert market_data_problem(bar, allow_nonpositive_prices=allow) is None


@given(fields=plain_bars())
def test_the_shortcut_takes_the_common_bar(fields: dict[str, Any]) -> None:
    bar = Bar(**fields)
    assert plainly_valid(bar, True)
    assert plainly_valid(bar, False) == (bar.low > 0.0)


def test_the_shortcut_leaves_everything_else_to_the_rules() -> None:
    negative = Bar(ts_event_ns=1, instrument="X", open=-1.0, high=-1.0, low=-1.0, close=-1.0)
    assert not plainly_valid(negative, False) and plainly_valid(negative, True)
    ints = Bar(ts_event_ns=1, instrument="X", open=1, high=1, low=1, close=1, volume=1)
    assert not plainly_valid(ints, False)  # the rules accept it: judged there
    assert not plainly_valid(Tick(ts_event_ns=1, instrument="X", bid=1.0, ask=2.0), False)
    nan = Bar(ts_event_ns=1, instrument="X", open=1.0, high=1.0, low=1.0, close=math.nan)
    assert not plainly_valid(nan, True)
