"""The SQLite adapter: private files, several processes creating one file at once, and a
file it cannot open."""

from __future__ import annotations

import os
import sqlite3
import stat
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from tickwire.persistence import RunInfo, SQLiteStore, StoreError


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX file modes")
def test_a_new_database_and_its_new_folders_are_private(tmp_path: Path) -> None:
    chosen = tmp_path / "home"
    chosen.mkdir(mode=0o755)
    chosen.chmod(0o755)  # whatever the umask made of it
    path = chosen / "made" / "for" / "it" / "tickwire.db"
    with SQLiteStore(path) as store:
        store.create_run(RunInfo(run_id="r", strategy="s"))  # a write: WAL and SHM exist
        files = [path, Path(f"{path}-wal"), Path(f"{path}-shm")]
        assert [_mode(file) for file in files] == [0o600, 0o600, 0o600]
    assert [_mode(folder) for folder in (path.parent, path.parent.parent)] == [0o700, 0o700]
    assert _mode(path.parent.parent.parent) == 0o700
    assert _mode(chosen) == 0o755  # a folder the user chose is left as it is


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX file modes")
def test_an_existing_database_keeps_its_mode(tmp_path: Path) -> None:
    path = tmp_path / "shared.db"
    SQLiteStore(path).close()
    path.chmod(0o640)  # the user shares it with a group on purpose
    SQLiteStore(path).close()
    assert _mode(path) == 0o640


_OPENER = """
import sys
from tickwire.persistence import SQLiteStore

for line in sys.stdin:  # a path per trial; every opener gets it at the same moment
    try:
        SQLiteStore(line.strip()).close()
        print("ok", flush=True)
    except Exception as exc:
        print(f"{type(exc).__name__}: {exc}", flush=True)
"""


def test_processes_creating_the_same_new_file_at_once_all_succeed(tmp_path: Path) -> None:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    openers = [
        subprocess.Popen(
            [sys.executable, "-c", _OPENER],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            env=env,
        )
        for _ in range(3)
    ]
    failures = []
    try:
        for trial in range(40):
            path = f"{tmp_path / str(trial)}.db\n"
            for opener in openers:
                assert opener.stdin is not None
                opener.stdin.write(path)
                opener.stdin.flush()
            for opener in openers:
                assert opener.stdout is not None
                answer = opener.stdout.readline().strip()
                if answer != "ok":
                    failures.append(f"trial {trial}: {answer}")
    finally:
        for opener in openers:
            opener.communicate(timeout=60)  # closes stdin: the opener's loop ends
    assert failures == []
    with SQLiteStore(tmp_path / "0.db") as store:
        assert store.list_runs() == []


def test_opening_waits_for_another_connection_switching_a_new_file_to_wal(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # What a second process meets while the first one switches the new file to WAL: a
    # write lock on a file still in rollback mode, which SQLite reports at once as
    # "database is locked" instead of waiting for it.
    path = tmp_path / "new.db"
    other = sqlite3.connect(path, isolation_level=None)
    other.execute("BEGIN IMMEDIATE")
    progressed = threading.Event()  # the opener retries, or gave up
    pause = time.sleep

    def noted_pause(seconds: float) -> None:
        progressed.set()
        pause(seconds)

    monkeypatch.setattr(time, "sleep", noted_pause)
    opened: list[SQLiteStore | BaseException] = []

    def open_it() -> None:
        try:
            opened.append(SQLiteStore(path))
        except BaseException as exc:
            opened.append(exc)
        progressed.set()

    opener = threading.Thread(target=open_it)
    opener.start()
    assert progressed.wait(timeout=60)
    other.execute("COMMIT")
    other.close()
    opener.join(timeout=60)
    (store,) = opened
    assert isinstance(store, SQLiteStore), store
    assert store._fetchall("PRAGMA journal_mode") == [("wal",)]
    store.close()


def test_a_file_that_is_not_a_database_is_a_store_error(tmp_path: Path) -> None:
    path = tmp_path / "notes.db"
    path.write_text("not a database, just notes\n" * 100)
    with pytest.raises(StoreError, match=f"cannot open SQLite database {path}: file is not a"):
        SQLiteStore(path)
    with pytest.raises(StoreError, match="cannot open SQLite database"):
        SQLiteStore(tmp_path)  # a folder
