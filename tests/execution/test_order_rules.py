"""The broker's and risk manager's order check agrees with the event rules."""

from __future__ import annotations

import math
from typing import Any

import msgspec
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.execution.helpers import order
from tickwire.events import OrderType, Side, SubmitOrder, TimeInForce, event_problem
from tickwire.execution._orders import order_problem

ANYTHING = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**64), max_value=2**64),
    st.sampled_from([0.0, -1.0, 1.5, 100.0, math.nan, math.inf, -math.inf, 10**400]),
    st.floats(allow_nan=True, allow_infinity=True),
    st.sampled_from(["", " ", "X", "BUY", "LIMIT", "IOC"]),
    st.sampled_from([*Side, *OrderType, *TimeInForce]),
)
FIELDS = [
    "ts_event_ns",
    "instrument",
    "side",
    "quantity",
    "order_type",
    "limit_price",
    "stop_price",
    "time_in_force",
    "take_profit",
    "stop_loss",
    "signal_id",
    "order_id",
]


@st.composite
def requests(draw: st.DrawFn) -> SubmitOrder:
    """A valid request of any type, or one with up to two fields replaced by anything."""
    kind = draw(st.sampled_from(list(OrderType)))
    base = order(
        draw(st.sampled_from(list(Side))),
        draw(st.floats(min_value=1e-6, max_value=1e6)),
        order_type=kind,
        limit=100.0 if kind in (OrderType.LIMIT, OrderType.STOP_LIMIT) else None,
        stop=101.0 if kind in (OrderType.STOP, OrderType.STOP_LIMIT) else None,
        tif=draw(st.sampled_from(list(TimeInForce))),
    )
    changes: dict[str, Any] = {}
    for name in draw(st.lists(st.sampled_from(FIELDS), max_size=2, unique=True)):
        changes[name] = draw(ANYTHING)
    return msgspec.structs.replace(base, **changes)


@settings(max_examples=1_000)  # many fields times many bad values
@given(request=requests(), allow=st.booleans())
def test_an_order_the_check_accepts_obeys_the_event_rules(
    request: SubmitOrder, allow: bool
) -> None:
    if order_problem(request, allow) is None:
        assert event_problem(request, allow_nonpositive_prices=allow) is None
