"""What the benches share: a database of their own on the machine's PostgreSQL, and load offered at a rate."""

from __future__ import annotations

import asyncio
import os
import time
from collections.abc import Callable, Coroutine, Iterator, Sequence
from contextlib import contextmanager
from typing import TypeVar

from sqlalchemy import create_engine, text

T = TypeVar("T")


@contextmanager
def scratch_database(postgres: str, prefix: str) -> Iterator[tuple[str, str]]:
    """A new, empty database on the server of `postgres` (a SQLAlchemy URL), dropped afterwards: (name, url)."""
    name = f"{prefix}_{os.getpid()}"
    admin = create_engine(postgres, isolation_level="AUTOCOMMIT")
    with admin.connect() as c:
        c.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield name, postgres.rsplit("/", 1)[0] + f"/{name}"
    finally:
        with admin.connect() as c:
            c.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


async def paced(items: Sequence[T], rate: float, fire: Callable[[T], Coroutine[object, object, None]]) -> float:
    """Start `fire(item)` for each item at its time, `rate` a second, whatever the answers (open loop); wait for
    all; returns the rate achieved."""
    started = time.perf_counter()
    tasks = []
    for i, item in enumerate(items):
        delay = started + i / rate - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        tasks.append(asyncio.create_task(fire(item)))
    await asyncio.gather(*tasks)
    return len(items) / (time.perf_counter() - started)
