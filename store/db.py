"""The database: one engine per process, sessions, and migrations applied by Alembic."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.exc import DisconnectionError, InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from sqlmodel import Session

from store.wake import Bells

if TYPE_CHECKING:  # Alembic loads for migrations only, never in a web worker's memory
    from alembic.config import Config

MIGRATIONS = Path(__file__).resolve().parent / "migrations"
# What the database raises when it cannot be reached or opened (refused, dropped, a pool with no connection
# left, a SQLite file that cannot be opened): the request did nothing, asking again later may work.
OUTAGE = (OperationalError, InterfaceError, DisconnectionError, PoolTimeout)


def make_engine(url: str) -> Engine:
    """An engine tuned for the backend: WAL and immediate transactions on SQLite, a pool on PostgreSQL.

    `hide_parameters`: an error's message never carries a statement's values (numbers, messages, e-mails).
    """
    if url.startswith("sqlite"):
        path = url.split("///", 1)[-1]
        if path and path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30},
                               hide_parameters=True)

        # pysqlite opens transactions lazily and a read that later writes can deadlock
        # with another writer; take the write lock at BEGIN instead (SQLAlchemy's recipe).
        @event.listens_for(engine, "connect")
        def _on_connect(dbapi_connection, _record):
            dbapi_connection.isolation_level = None
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA busy_timeout=30000")
            cursor.close()

        @event.listens_for(engine, "begin")
        def _on_begin(connection):
            connection.exec_driver_sql("BEGIN IMMEDIATE")

        return engine
    return create_engine(url, pool_size=10, max_overflow=20, pool_pre_ping=True, hide_parameters=True)


class Database:
    """The process's handle on the database."""

    def __init__(self, url: str):
        self.url = url
        self.engine = make_engine(url)
        self.bells = Bells()  # the worker's wake-ups (store/wake.py)

    @property
    def is_postgres(self) -> bool:
        """Whether row locks (`FOR UPDATE SKIP LOCKED`) are available."""
        return self.engine.dialect.name == "postgresql"

    @contextmanager
    def session(self) -> Iterator[Session]:
        """A session committed on success and rolled back on error."""
        with Session(self.engine, expire_on_commit=False) as session:
            try:
                yield session
                rung = self.bells.notify_before_commit(session)
                session.commit()
            except BaseException:
                session.rollback()
                raise
        self.bells.rung(rung)

    def ping(self) -> None:
        """Raise if the database cannot be reached."""
        with self.engine.connect() as connection:
            connection.execute(text("SELECT 1"))

    def upgrade(self) -> None:
        """Apply pending migrations."""
        with self.engine.begin() as connection:
            from alembic import command

            config = alembic_config(self.url)
            config.attributes["connection"] = connection
            command.upgrade(config, "head")

    def revision(self) -> str | None:
        """The migration the database stands at (None: an empty database)."""
        from alembic.runtime.migration import MigrationContext

        with self.engine.connect() as connection:
            heads = MigrationContext.configure(connection).get_current_heads()
        return ",".join(sorted(heads)) or None

    def is_current(self) -> bool:
        """Whether every migration is applied (a worker on an empty or older database would fail each pass)."""
        from alembic.runtime.migration import MigrationContext
        from alembic.script import ScriptDirectory

        with self.engine.connect() as connection:
            applied = set(MigrationContext.configure(connection).get_current_heads())
        return applied == set(ScriptDirectory.from_config(alembic_config(self.url)).get_heads())

    def dispose(self) -> None:
        """Close every pooled connection."""
        self.engine.dispose()


def alembic_config(url: str) -> Config:
    """Alembic's configuration, built in code so no alembic.ini has to sit in the working directory."""
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


Row = TypeVar("Row")


def key(row: Any) -> int:
    """The primary key of a row that is in the database (added and flushed, or read back)."""
    if row.id is None:
        raise ValueError(f"this {type(row).__name__} has no id yet: add and flush it first")
    return int(row.id)


def fetch(session: Session, model: type[Row], row_id: int | None, *, lock: bool = False) -> Row:
    """The row of `model` with this id (locked for the transaction with `lock`); LookupError when there is none."""
    row = session.get(model, row_id, with_for_update=lock) if row_id is not None else None
    if row is None:
        raise LookupError(f"no {model.__name__} {row_id}")
    return row
