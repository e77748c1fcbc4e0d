"""The database: one engine per process, sessions, and migrations applied by Alembic."""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.dialects import postgresql, sqlite
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
    engine = create_engine(url, pool_size=10, max_overflow=20, hide_parameters=True)
    _ping_when_idle(engine)
    return engine


PING_AFTER_IDLE_SECONDS = 1.0


def _ping_when_idle(engine: Engine) -> None:
    """Check a pooled connection before use only when it has sat idle (SQLAlchemy's pre-ping, for the connections a
    restart or a network cut may have killed), not one back in the pool a moment ago: under load a ping was one
    round trip more for every transaction (a report's answer took a dozen). A connection killed while in use is
    still caught: its first statement fails (an outage, `OUTAGE`: the webhook's 503, the worker's wait) and
    SQLAlchemy then discards every connection the pool held from before."""

    @event.listens_for(engine, "checkin")
    def _on_checkin(_dbapi_connection, record):
        record.info["returned_at"] = time.monotonic()

    @event.listens_for(engine, "checkout")
    def _on_checkout(dbapi_connection, record, _proxy):
        returned = record.info.get("returned_at")
        if returned is not None and time.monotonic() - returned < PING_AFTER_IDLE_SECONDS:
            return
        try:
            engine.dialect.do_ping(dbapi_connection)
        except Exception as err:  # the pool throws this connection away and takes another (SQLAlchemy's contract)
            raise DisconnectionError("connection found dead at checkout") from err


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


def insert_new(session: Session, row: Row, *, unique: tuple[str, ...]) -> Row | None:
    """INSERT `row` unless one with the same `unique` columns exists (ON CONFLICT DO NOTHING), in one statement:
    the inserted row, persistent in `session` as if added and flushed, or None when another transaction (or an
    earlier step of this one) has it. No savepoint is needed around it, and the transaction stays usable: the
    two first messages of one resident, taken by two workers at once, both go on."""
    model = type(row)
    table = model.__table__  # type: ignore[attr-defined]
    values = {column.name: getattr(row, column.name) for column in table.columns if not column.primary_key}
    insert = postgresql.insert if session.get_bind().dialect.name == "postgresql" else sqlite.insert
    statement = insert(model).values(values).on_conflict_do_nothing(index_elements=list(unique)).returning(model)
    return session.scalars(statement).first()


def fetch(session: Session, model: type[Row], row_id: int | None, *, lock: bool = False) -> Row:
    """The row of `model` with this id (locked for the transaction with `lock`); LookupError when there is none."""
    row = session.get(model, row_id, with_for_update=lock) if row_id is not None else None
    if row is None:
        raise LookupError(f"no {model.__name__} {row_id}")
    return row
