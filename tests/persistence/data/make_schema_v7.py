"""Wrote schema_v7.db and schema_v7.jsonl with main at 21ad125 (schema version 7, rows of
field tuples, "tuples"/"tuples+zstd"); kept to show how the fixture was made, not run by
the tests."""

from pathlib import Path

from tickwire.backtest import Backtest
from tickwire.data import synthetic_bars
from tickwire.events import InfoEvent, encode_json
from tickwire.persistence import Recorder, SQLiteStore
from tickwire.strategy.ema_cross import EmaCross

target = Path("tests/persistence/data/schema_v7.db")
target.unlink(missing_ok=True)
store = SQLiteStore(target)
engine = Backtest(
    strategy=EmaCross, data=synthetic_bars(600, seed=7, gap_probability=0.3), cash=1e6
)
with Recorder(store, strategy="EmaCross", parameters={"fast": 10}, batch_size=200).attach(
    engine.bus
) as rec:
    result = engine.run()
    engine.bus.publish(InfoEvent(ts_event_ns=5, component="fixture", message="done"))
    rec.set_summary({"fills": len(result.fills)})
events = [e for e in store.iter_events(rec.run_id)]
store.close()
Path("tests/persistence/data/schema_v7.jsonl").write_bytes(
    b"\n".join(encode_json(e) for e in events) + b"\n"
)
print(rec.run_id, len(events), result.events)
