"""The Strategy base class: event callbacks, typed parameters, order helpers and timers.

A strategy reaches the rest of the system only through events: its helpers publish
order requests and signals on the bus it is attached to. Nothing here is specific to
backtests, so the same class runs live. Timers come from the clock the runner hands it
(:meth:`Strategy.set_timer`, :meth:`Strategy.set_alert`): market time in a backtest,
wall time live; each firing is a :class:`~tickwire.events.TimerEvent` published on the
bus (so it is recorded) and delivered to that strategy's :meth:`Strategy.on_timer` only.
"""

from __future__ import annotations

import itertools
import numbers
import typing
from collections.abc import Callable, Mapping
from typing import Any, ClassVar, Protocol, TypedDict, Unpack

import msgspec

from tickwire._exceptions import StrategyError
from tickwire._types import BusLike, EquityAccount
from tickwire.events import (
    ORDER_UPDATES,
    Bar,
    CancelOrder,
    Fill,
    OrderType,
    OrderUpdate,
    Side,
    Signal,
    SubmitOrder,
    Tick,
    TimeInForce,
    TimerEvent,
)

__all__ = ["OrderTerms", "Strategy", "StrategyError", "Timers", "parameter_values"]


_PARAMETER_TYPES = (int, float, str, bool)
# On Python 3.11 reading ``Side.BUY`` costs about 1,000 instructions more than reading a
# module global (EnumType defines ``__getattr__``, which routes every attribute read on
# an enum class through a slow hook), about a seventh of what buy() itself costs.
_BUY = Side.BUY
_SELL = Side.SELL


class OrderTerms(TypedDict, total=False):
    """How :meth:`Strategy.buy` and :meth:`Strategy.sell` work an order (the fields of
    :class:`~tickwire.events.SubmitOrder` a strategy chooses). Every term is optional:
    without any, the order is a market order, good till cancelled."""

    order_type: OrderType
    """MARKET (the default), LIMIT, STOP or STOP_LIMIT."""
    limit_price: float | None
    """The limit of a LIMIT or STOP_LIMIT order."""
    stop_price: float | None
    """The trigger price of a STOP or STOP_LIMIT order."""
    time_in_force: TimeInForce
    """GTC (the default), DAY or IOC."""
    take_profit: float | None
    """Makes the order a bracket: once it fills, a limit exit at this price."""
    stop_loss: float | None
    """Makes the order a bracket: once it fills, a stop exit at this price."""
    signal_id: str | None
    """The id of the :class:`~tickwire.events.Signal` the order acts on, for the record."""


_TERMS: frozenset[str] = OrderTerms.__optional_keys__
_TIMER_SEPARATOR = ":"
"""Between a strategy's name and its timer's name on the clock (``EmaCross:rebalance``)."""


class Timers(Protocol):
    """What a strategy needs of a clock (``tickwire.clock.Clock`` satisfies it; the
    strategy layer does not import the clock's)."""

    def now_ns(self) -> int:
        """The current time in nanoseconds since the epoch (UTC)."""
        ...

    def set_timer(
        self,
        name: str,
        interval_ns: int,
        callback: Callable[[TimerEvent], None],
        *,
        start_ns: int | None = None,
        stop_ns: int | None = None,
    ) -> None:
        """Call ``callback`` every ``interval_ns``."""
        ...

    def set_alert(self, name: str, at_ns: int, callback: Callable[[TimerEvent], None]) -> None:
        """Call ``callback`` once at ``at_ns``."""
        ...

    def cancel(self, name: str) -> bool:
        """Cancel the timer or alert ``name``; whether it was set."""
        ...

    def names(self) -> list[str]:
        """The names of the timers and alerts set."""
        ...


class Strategy:
    """Subclass it, declare parameters as typed class attributes, override callbacks.

    ::

        class Breakout(Strategy):
            lookback: int = 20
            quantity: float = 10

            def on_bar(self, bar: Bar) -> None:
                ...
                self.buy(self.quantity)

    Override parameters by name: ``Breakout(lookback=50)``.
    """

    name: ClassVar[str] = ""
    """Used in order ids and reports; defaults to the class name."""

    def __init__(self, **params: Any) -> None:
        for key, value in parameter_values(type(self), params).items():
            setattr(self, key, value)
        self.strategy_name = self.name or type(self).__name__
        self.instrument: str | None = None
        """The default instrument for order helpers (set when the data has only one)."""
        self._bus: BusLike | None = None
        self._account: EquityAccount | None = None
        self._order_ids = itertools.count(1)
        self._id_prefix = f"{self.strategy_name}-"
        self._last_bar_ns = 0
        self._clock: Callable[[], int] = lambda: self._last_bar_ns
        self._timers: Timers | None = None
        self._subscribed: list[tuple[Any, Callable[[Any], None]]] = []

    # -- parameters --------------------------------------------------------------------

    @classmethod
    def parameters(cls) -> dict[str, tuple[type, Any]]:
        """Declared parameters: name -> (type, default), from typed class attributes."""
        found: dict[str, tuple[type, Any]] = {}
        for klass in reversed(cls.__mro__):
            if klass is object or not issubclass(klass, Strategy) or klass is Strategy:
                continue
            hints = typing.get_type_hints(klass)
            for attr in vars(klass).get("__annotations__", {}):
                kind = hints.get(attr)
                if kind in _PARAMETER_TYPES and not attr.startswith("_"):
                    found[attr] = (kind, getattr(klass, attr, None))
        return found

    @property
    def params(self) -> dict[str, Any]:
        """The current parameter values."""
        return {name: getattr(self, name) for name in self.parameters()}

    # -- wiring ------------------------------------------------------------------------

    def attach(
        self,
        bus: BusLike,
        account: EquityAccount,
        *,
        priority: int = 0,
        clock: Callable[[], int] | None = None,
        timers: Timers | None = None,
    ) -> None:
        """Subscribe the callbacks this class overrides; called by the runner.

        ``clock`` gives the current market time for the events the helpers publish;
        without it the strategy follows the time of the bars it sees. ``timers`` (a
        ``tickwire.clock.Clock``) enables :meth:`set_timer` and :meth:`set_alert`.
        """
        self._bus = bus
        self._account = account
        self._timers = timers
        cls = type(self)
        wanted: list[tuple[Any, Callable[[Any], None]]] = []
        if cls.on_bar is not Strategy.on_bar:
            wanted.append((Bar, self.on_bar))
        if cls.on_tick is not Strategy.on_tick:
            wanted.append((Tick, self.on_tick))
        if cls.on_fill is not Strategy.on_fill:
            wanted.append((Fill, self._route_fill))
        if cls.on_order is not Strategy.on_order:
            wanted.extend((update, self._route_order) for update in ORDER_UPDATES)
        if cls.on_timer is not Strategy.on_timer:
            wanted.append((TimerEvent, self._route_timer))
        for event_type, handler in wanted:
            bus.subscribe(event_type, handler, priority=priority)
        if clock is None:
            bus.subscribe(Bar, self._track_time, priority=priority + 1)
            wanted.append((Bar, self._track_time))
        else:
            self._clock = clock
        self._subscribed = wanted

    def detach(self) -> None:
        """Unsubscribe every callback and cancel every timer: the strategy sees nothing
        more (a node does this when it stops the strategy)."""
        bus = self._bus
        if bus is not None:
            for event_type, handler in self._subscribed:
                bus.unsubscribe(event_type, handler)
        self._subscribed = []
        timers = self._timers
        if timers is not None:
            for name in timers.names():
                if name.startswith(self._timer_prefix()):
                    timers.cancel(name)

    def rename(self, name: str) -> None:
        """Use ``name`` in order ids, signals, timers and reports instead of the class's
        (a node gives a second instance of one class its own name); before attaching."""
        if not isinstance(name, str) or not name.strip() or _TIMER_SEPARATOR in name:
            raise StrategyError(
                f"a strategy name must be a non-empty string without {_TIMER_SEPARATOR!r}, "
                f"got {name!r}"
            )
        if self._bus is not None:
            raise StrategyError(f"{self.strategy_name}: rename it before it is attached")
        self.strategy_name = name
        self._id_prefix = f"{name}-"

    def _track_time(self, bar: Bar) -> None:
        self._last_bar_ns = bar.ts_event_ns

    def _now_ns(self) -> int:
        return self._clock()

    def _route_fill(self, fill: Fill) -> None:
        if fill.order_id.startswith(self._id_prefix):
            self.on_fill(fill)

    def _route_order(self, update: OrderUpdate) -> None:
        if update.order_id.startswith(self._id_prefix):
            self.on_order(update)

    def _route_timer(self, event: TimerEvent) -> None:
        prefix = self._timer_prefix()
        if event.name.startswith(prefix):
            self.on_timer(msgspec.structs.replace(event, name=event.name[len(prefix) :]))

    def _timer_prefix(self) -> str:
        return f"{self.strategy_name}{_TIMER_SEPARATOR}"

    # -- callbacks ---------------------------------------------------------------------

    def on_start(self) -> None:
        """Called once before the first event."""

    def on_bar(self, bar: Bar) -> None:
        """Called for every bar, after the broker has matched orders against it."""

    def on_tick(self, tick: Tick) -> None:
        """Called for every quote."""

    def on_fill(self, fill: Fill) -> None:
        """Called when one of this strategy's orders (partly) fills."""

    def on_order(self, update: OrderUpdate) -> None:
        """Called on each lifecycle update of this strategy's orders."""

    def on_timer(self, event: TimerEvent) -> None:
        """Called when one of this strategy's timers or alerts is due (``event.name`` is
        the name it was set under; ``event.ts_event_ns`` the time it was due)."""

    def on_stop(self) -> None:
        """Called once after the last event."""

    # -- timers ------------------------------------------------------------------------

    def set_timer(
        self,
        name: str,
        interval_ns: int,
        *,
        start_ns: int | None = None,
        stop_ns: int | None = None,
    ) -> None:
        """Call :meth:`on_timer` every ``interval_ns`` from ``start_ns`` (default: now +
        interval) until ``stop_ns`` (default: never). In a backtest the time is the
        market's: a timer fires between events, in time order, before an event stamped
        at or after its due time; live it is wall time."""
        self._timers_or_fail("set_timer").set_timer(
            self._timer_prefix() + name,
            interval_ns,
            self._publish_timer,
            start_ns=start_ns,
            stop_ns=stop_ns,
        )

    def set_alert(self, name: str, at_ns: int) -> None:
        """Call :meth:`on_timer` once at ``at_ns`` (at once if that has passed)."""
        self._timers_or_fail("set_alert").set_alert(
            self._timer_prefix() + name, at_ns, self._publish_timer
        )

    def cancel_timer(self, name: str) -> bool:
        """Cancel this strategy's timer or alert ``name``; whether it was set."""
        return self._timers_or_fail("cancel_timer").cancel(self._timer_prefix() + name)

    def _publish_timer(self, event: TimerEvent) -> None:
        self._publisher().publish(event)

    def _timers_or_fail(self, helper: str) -> Timers:
        if self._timers is None:
            raise StrategyError(
                f"{self.strategy_name}.{helper}: no clock; run the strategy in a Node "
                "(or Backtest), which gives it one"
            )
        if type(self).on_timer is Strategy.on_timer:
            raise StrategyError(
                f"{self.strategy_name}.{helper}: override on_timer() to receive timers"
            )
        return self._timers

    # -- account -----------------------------------------------------------------------

    def position(self, instrument: str | None = None) -> float:
        """The net quantity held in ``instrument`` (default: the strategy's instrument)."""
        return self._account_or_fail().quantity(self._instrument(instrument))

    @property
    def cash(self) -> float:
        return self._account_or_fail().cash

    @property
    def equity(self) -> float:
        return self._account_or_fail().equity

    # -- orders and signals ------------------------------------------------------------

    def buy(
        self, quantity: float, instrument: str | None = None, **terms: Unpack[OrderTerms]
    ) -> str:
        """Publish a request to buy ``quantity``; returns its order id.

        ``instrument`` defaults to the strategy's; ``terms`` (:class:`OrderTerms`) make
        it a limit, stop or bracket order: ``self.buy(10, order_type=OrderType.LIMIT,
        limit_price=99.5)``.
        """
        return self._submit(_BUY, quantity, instrument, terms)

    def sell(
        self, quantity: float, instrument: str | None = None, **terms: Unpack[OrderTerms]
    ) -> str:
        """Publish a request to sell ``quantity``; returns its order id (see :meth:`buy`)."""
        return self._submit(_SELL, quantity, instrument, terms)

    def close(self, instrument: str | None = None) -> str | None:
        """Flatten the position with a market order; returns its id, or None if flat."""
        held = self.position(instrument)
        if held > 0:
            return self.sell(held, instrument)
        if held < 0:
            return self.buy(-held, instrument)
        return None

    def cancel(self, order_id: str) -> None:
        """Publish a request to cancel a working order."""
        self._publisher().publish(CancelOrder(ts_event_ns=self._now_ns(), order_id=order_id))

    def emit_signal(
        self,
        side: Side | str,
        price: float,
        quantity: float = 0.0,
        *,
        instrument: str | None = None,
        confidence: float = 1.0,
    ) -> Signal:
        """Publish a Signal for a signal executor to size and turn into an order."""
        signal = Signal(
            ts_event_ns=self._now_ns(),
            instrument=self._instrument(instrument),
            side=Side(side),
            trigger_price=price,
            quantity=quantity,
            strategy_name=self.strategy_name,
            confidence=confidence,
            id=f"{self._id_prefix}S{next(self._order_ids)}",
        )
        self._publisher().publish(signal)
        return signal

    def _submit(
        self, side: Side, quantity: float, instrument: str | None, terms: OrderTerms
    ) -> str:
        # ``**terms`` takes any keyword at run time: a misspelt term must not turn a limit
        # order into a market order, nor may a term set a field such as ``side``.
        for term in terms:
            if term not in _TERMS:
                helper = "buy" if side == _BUY else "sell"
                raise StrategyError(
                    f"{self.strategy_name}.{helper}: unknown order term {term!r} "
                    f"(terms: {', '.join(sorted(_TERMS))})"
                )
        if type(quantity) is not float and type(quantity) is not int:
            quantity = _plain_number(quantity)
        order_id = f"{self._id_prefix}{next(self._order_ids)}"
        request = SubmitOrder(
            ts_event_ns=self._now_ns(),
            instrument=self._instrument(instrument),
            side=side,
            quantity=quantity,
            strategy_name=self.strategy_name,
            order_id=order_id,
            id=order_id,
        )
        if terms:  # a term not given keeps SubmitOrder's default (a market order, GTC)
            request = msgspec.structs.replace(request, **terms)
        self._publisher().publish(request)
        return order_id

    def _instrument(self, instrument: str | None) -> str:
        chosen = instrument or self.instrument
        if chosen is None:
            raise StrategyError(
                f"{self.strategy_name}: several instruments are traded; pass instrument=..."
            )
        return chosen

    def _publisher(self) -> BusLike:
        if self._bus is None:
            raise StrategyError(f"{self.strategy_name} is not attached to a bus yet")
        return self._bus

    def _account_or_fail(self) -> EquityAccount:
        if self._account is None:
            raise StrategyError(f"{self.strategy_name} is not attached to an account yet")
        return self._account


def _plain_number(value: Any) -> Any:
    """A numpy (or other) real number as the Python float an order carries; anything else
    unchanged, for the risk manager to reject with its reason."""
    if isinstance(value, numbers.Real) and not isinstance(value, bool):
        try:
            return float(value)
        except (OverflowError, ValueError):
            return value
    return value


def _coerce(owner: str, name: str, kind: type, value: Any) -> Any:
    """``value`` as the parameter's declared type; strings (from a command line) are parsed."""
    if isinstance(value, kind) and not (kind is int and isinstance(value, bool)):
        return value
    if kind is float and isinstance(value, int) and not isinstance(value, bool):
        return float(value)
    if isinstance(value, str):
        try:
            if kind is bool:
                lowered = value.strip().lower()
                if lowered in ("true", "1", "yes", "on"):
                    return True
                if lowered in ("false", "0", "no", "off"):
                    return False
                raise ValueError(value)
            return kind(value)
        except ValueError:
            pass
    raise StrategyError(
        f"{owner}.{name} must be {kind.__name__}, got {value!r} ({type(value).__name__})"
    )


def parameter_values(strategy: type[Strategy], raw: Mapping[str, Any]) -> dict[str, Any]:
    """Validate and coerce ``raw`` parameters for ``strategy`` without building it."""
    declared = strategy.parameters()
    out: dict[str, Any] = {}
    for key, value in raw.items():
        if key not in declared:
            known = ", ".join(declared) or "none"
            raise StrategyError(
                f"{strategy.__name__} has no parameter {key!r} (parameters: {known})"
            )
        out[key] = _coerce(strategy.__name__, key, declared[key][0], value)
    return out
