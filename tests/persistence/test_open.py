"""Where stores live: the default file, TICKWIRE_HOME, paths and URLs, named memory stores."""

from __future__ import annotations

from pathlib import Path

import platformdirs
import pytest

from tickwire.persistence import (
    HOME_ENV,
    MemoryStore,
    PostgresStore,
    RunInfo,
    SQLiteStore,
    StoreError,
    default_database_path,
    open_store,
)

from .conftest import RUN_PREFIX


def test_default_path_is_in_the_user_data_folder(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(HOME_ENV, raising=False)
    expected = Path(platformdirs.user_data_dir("tickwire")) / "tickwire.db"
    assert default_database_path() == expected


def test_tickwire_home_overrides_the_default(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv(HOME_ENV, str(tmp_path / "home"))
    assert default_database_path() == tmp_path / "home" / "tickwire.db"
    with open_store() as store:
        assert isinstance(store, SQLiteStore)
        assert Path(store.path) == tmp_path / "home" / "tickwire.db"
    assert (tmp_path / "home" / "tickwire.db").is_file()


def test_paths_and_sqlite_urls(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.chdir(tmp_path)
    cases: list[tuple[str | Path, Path]] = [
        (tmp_path / "a.db", tmp_path / "a.db"),
        (str(tmp_path / "b.db"), tmp_path / "b.db"),
        ("sqlite:///rel.db", Path("rel.db")),
        (f"sqlite:///{tmp_path}/abs.db", tmp_path / "abs.db"),
        ("sqlite://", Path(":memory:")),
    ]
    for target, expected in cases:
        with open_store(target) as store:
            assert isinstance(store, SQLiteStore)
            assert Path(store.path) == expected
    assert (tmp_path / "rel.db").is_file()


def test_unknown_schemes_and_settings_are_rejected(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="unsupported URL scheme in 'mysql'"):
        open_store("mysql://localhost/db")
    with pytest.raises(ValueError, match="synchronous"):
        SQLiteStore(tmp_path / "x.db", synchronous="SOMETIMES")
    with pytest.raises(ValueError, match="schema: expected an identifier"):
        PostgresStore("postgresql://localhost/test", schema="a; DROP TABLE x")


def test_postgres_urls_open_a_postgres_store(pg_url: str) -> None:
    schema = f"{RUN_PREFIX}_open"
    with open_store(pg_url.replace("postgresql://", "postgresql+psycopg://"), schema=schema) as s:
        assert isinstance(s, PostgresStore)
        assert s.schema == schema
        assert "@" in s.location or "127.0.0.1" in s.location
        s.drop_schema()


def test_memory_urls_name_one_store_per_process(request: pytest.FixtureRequest) -> None:
    name = f"memory://{request.node.name}"
    first = open_store(name)
    assert isinstance(first, MemoryStore)
    first.create_run(RunInfo(run_id="r", strategy="s"))
    first.close()
    assert open_store(name).get_run("r").strategy == "s"
    assert open_store(f"{name}-other").list_runs() == []


def test_a_path_in_a_missing_folder_is_refused_and_no_folder_made(tmp_path: Path) -> None:
    for target in (tmp_path / "gone" / "sub" / "tw.db", f"sqlite:///{tmp_path}/gone/tw.db"):
        with pytest.raises(StoreError, match=f"the folder {tmp_path / 'gone'}.* does not exist"):
            open_store(target)
    assert not (tmp_path / "gone").exists()


def test_the_default_store_makes_its_folder(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv(HOME_ENV, str(tmp_path / "new" / "home"))
    open_store().close()
    assert (tmp_path / "new" / "home" / "tickwire.db").is_file()


def test_create_false_opens_only_what_exists(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    monkeypatch.setenv(HOME_ENV, str(tmp_path / "home"))
    missing = tmp_path / "typo.db"
    for target in (missing, str(missing), f"sqlite:///{missing}", None):
        with pytest.raises(StoreError, match=r"no tickwire store at .*: it does not exist"):
            open_store(target, create=False)
    with pytest.raises(StoreError, match="is not a file"):
        open_store(tmp_path, create=False)
    with pytest.raises(StoreError, match="in-memory"):
        open_store("sqlite://", create=False)
    name = f"memory://{request.node.nodeid}"
    with pytest.raises(StoreError, match="no memory store named"):
        open_store(name, create=False)
    assert not missing.exists() and not (tmp_path / "home").exists()
    open_store(missing).close()
    open_store(name)
    with open_store(missing, create=False) as store:
        assert store.list_runs() == []
    assert open_store(name, create=False).list_runs() == []
