"""`guichet backup` and `guichet restore`: the whole database and the media directory in one archive.

The archive (`.tar.gz`) holds `manifest.json` (format, migration, moment, row counts), one JSON-lines file per
table under `tables/`, and the media files under `media/`. Rows are read in one transaction (a consistent
picture while the service runs) and written with SQLAlchemy, so an archive of SQLite restores into PostgreSQL
and the other way round. Paths of kept files are stored relative to the media directory and re-rooted at
the restoring install's. A restore goes into an empty database (migrated here to the archive's migration
first); it refuses a database that already holds cases, so that nothing is overwritten by mistake.

For a very large install, PostgreSQL's own `pg_dump` is faster; this archive is what a town can move between
machines and back-ends with one command each way.
"""

from __future__ import annotations

import io
import json
import tarfile
import zlib
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Date, DateTime, func, select, text
from sqlmodel import SQLModel

from store import models  # noqa: F401  (the tables register on SQLModel.metadata)
from store.clock import utcnow
from store.db import Database

FORMAT = "guichet-backup/1"


class BackupError(ValueError):
    """An archive that cannot be read or restored here, with one sentence saying why."""


@dataclass(frozen=True)
class BackupSummary:
    """What a backup or a restore handled."""

    revision: str | None
    rows: dict[str, int]
    media_files: int

    @property
    def cases(self) -> int:
        return self.rows.get("case", 0)


def backup(db: Database, media_dir: Path, archive: Path) -> BackupSummary:
    """Write every table and every media file to `archive`."""
    archive.parent.mkdir(parents=True, exist_ok=True)
    # Written beside the archive, then renamed over it: a backup that fails leaves the last good one in place.
    partial = archive.with_name(f".{archive.name}.partial")
    try:
        summary = _write(db, media_dir, partial)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    partial.replace(archive)
    return summary


def _write(db: Database, media_dir: Path, archive: Path) -> BackupSummary:
    counts: dict[str, int] = {}
    media_root = str(media_dir.resolve())
    with tarfile.open(archive, "w:gz") as tar:
        with db.engine.connect() as connection:
            if db.is_postgres:
                connection.execute(text("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY"))
            revision = db.revision()
            for table in SQLModel.metadata.sorted_tables:
                lines = []
                for row in connection.execute(select(table).order_by(*table.primary_key.columns)).mappings():
                    lines.append(json.dumps({key: _portable(value, media_root) for key, value in row.items()},
                                            ensure_ascii=False))
                counts[table.name] = len(lines)
                _add(tar, f"tables/{table.name}.jsonl", ("\n".join(lines) + "\n" if lines else "").encode())
        files = sorted(path for path in media_dir.rglob("*") if path.is_file()) if media_dir.exists() else []
        for path in files:
            tar.add(path, arcname=f"media/{path.relative_to(media_dir).as_posix()}", recursive=False)
        manifest = {"format": FORMAT, "revision": revision, "created_at": utcnow().isoformat(),
                    "backend": "postgresql" if db.is_postgres else "sqlite", "rows": counts,
                    "media_files": len(files)}
        _add(tar, "manifest.json", json.dumps(manifest, indent=2).encode())
    return BackupSummary(revision=revision, rows=counts, media_files=len(files))


def restore(db: Database, media_dir: Path, archive: Path) -> BackupSummary:
    """Load `archive` into an empty database and `media_dir`; BackupError (nothing loaded) when it is damaged."""
    try:
        return _restore(db, media_dir, archive)
    except (EOFError, zlib.error, tarfile.TarError, json.JSONDecodeError, UnicodeDecodeError) as err:
        raise BackupError(f"{archive} is damaged (cut short or altered: {type(err).__name__}); nothing was restored "
                          "into the database: use another archive") from err


def _restore(db: Database, media_dir: Path, archive: Path) -> BackupSummary:
    try:
        tar = tarfile.open(archive, "r:gz")
    except (OSError, tarfile.TarError) as err:
        raise BackupError(f"cannot read {archive} as a Guichet backup (.tar.gz): {err}") from err
    with tar:
        manifest = _manifest(tar, archive)
        members = tar.getmembers()  # reads the archive to its end: one cut short is found before anything is written
        db.upgrade()  # to the code's head: an archive of the same or an older migration loads into it
        current = db.revision()
        if manifest["revision"] and current and manifest["revision"] > current:
            raise BackupError(f"{archive} was made at migration {manifest['revision']}, newer than this code's "
                              f"{current}: restore it with the version of Guichet that made it")
        with db.engine.begin() as connection:
            held = connection.execute(select(func.count()).select_from(SQLModel.metadata.tables["case"])).scalar()
            if held:
                raise BackupError(f"the database at DATABASE_URL already holds {held} case(s): restore into an "
                                  "empty database (create a new one, or drop this one after a backup)")
            for table in reversed(SQLModel.metadata.sorted_tables):  # children first
                connection.execute(table.delete())
            counts: dict[str, int] = {}
            media_root = str(media_dir.resolve())
            for table in SQLModel.metadata.sorted_tables:  # parents first
                rows = [_restored(json.loads(line), table, media_root)
                        for line in _lines(tar, f"tables/{table.name}.jsonl")]
                # A row may point at a later row of its own table (a case merged into a newer one): those
                # links are written once every row is in.
                own = [fk.parent.name for fk in table.foreign_keys if fk.column.table is table]
                links = [(row["id"], {name: row[name] for name in own}) for row in rows
                         if any(row.get(name) is not None for name in own)]
                if rows:
                    connection.execute(table.insert(), [row | dict.fromkeys(own) for row in rows])
                for row_id, values in links:
                    connection.execute(table.update().where(table.c.id == row_id).values(**values))
                counts[table.name] = len(rows)
                if db.is_postgres and rows and "id" in table.columns:
                    connection.execute(text(
                        f"SELECT setval(pg_get_serial_sequence('\"{table.name}\"', 'id'), "
                        f"(SELECT MAX(id) FROM \"{table.name}\"))"))
        files = 0
        for member in members:
            if not member.isfile() or not member.name.startswith("media/"):
                continue
            relative = Path(member.name).relative_to("media")
            if ".." in relative.parts or relative.is_absolute():
                raise BackupError(f"{archive} holds a file outside media/ ({member.name}): refused")
            target = media_dir / relative
            target.parent.mkdir(parents=True, exist_ok=True)
            source = tar.extractfile(member)
            if source is not None:
                target.write_bytes(source.read())
                files += 1
    return BackupSummary(revision=manifest["revision"], rows=counts, media_files=files)


MEDIA = "$media/"  # how a path under the media directory is written in an archive


def _portable(value: Any, media_root: str) -> Any:
    """A column's value as JSON: moments in ISO 8601, kept files' paths relative to the media directory."""
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, str) and value.startswith(media_root + "/"):
        return MEDIA + value[len(media_root) + 1:]
    if isinstance(value, dict):
        return {key: _portable(item, media_root) for key, item in value.items()}
    if isinstance(value, list):
        return [_portable(item, media_root) for item in value]
    return value


def _restored(row: dict[str, Any], table, media_root: str) -> dict[str, Any]:
    """A row of the archive as the table takes it (moments parsed, paths under this install's media)."""
    out = {}
    for key, value in row.items():
        if key not in table.columns:
            continue  # a column dropped since the archive was made
        column_type = table.columns[key].type
        column_type = getattr(column_type, "impl", column_type)  # a TypeDecorator (the UTC moments) stores its impl
        if value is not None and isinstance(column_type, DateTime):
            value = datetime.fromisoformat(value)
        elif value is not None and isinstance(column_type, Date):
            value = date.fromisoformat(value)
        else:
            value = _rerooted(value, media_root)
        out[key] = value
    return out


def _rerooted(value: Any, media_root: str) -> Any:
    if isinstance(value, str) and value.startswith(MEDIA):
        return f"{media_root}/{value[len(MEDIA):]}"
    if isinstance(value, dict):
        return {key: _rerooted(item, media_root) for key, item in value.items()}
    if isinstance(value, list):
        return [_rerooted(item, media_root) for item in value]
    return value


def _manifest(tar: tarfile.TarFile, archive: Path) -> dict[str, Any]:
    try:
        manifest = json.loads(_read(tar, "manifest.json"))
    except (KeyError, json.JSONDecodeError) as err:
        raise BackupError(f"{archive} has no manifest.json: it is not a Guichet backup") from err
    if manifest.get("format") != FORMAT:
        raise BackupError(f"{archive} is a {manifest.get('format')!r} archive; this Guichet reads {FORMAT}")
    return manifest


def _lines(tar: tarfile.TarFile, name: str) -> list[str]:
    try:
        return [line for line in _read(tar, name).splitlines() if line.strip()]
    except KeyError:
        return []  # a table added since the archive was made


def _read(tar: tarfile.TarFile, name: str) -> str:
    member = tar.extractfile(name)
    if member is None:
        raise KeyError(name)
    return member.read().decode("utf-8")


def _add(tar: tarfile.TarFile, name: str, data: bytes) -> None:
    info = tarfile.TarInfo(name)
    info.size = len(data)
    info.mtime = int(utcnow().timestamp())
    tar.addfile(info, io.BytesIO(data))
