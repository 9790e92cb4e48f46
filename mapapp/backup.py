"""Backups that round-trip: the whole database to one file and back, exactly (docs/contract.md).

SpatiaLite: SQLite's online backup API, page by page, consistent while the site keeps serving (a writer waits
for the copy's turn like any other). PostGIS: `pg_dump --format=custom`, and `pg_restore --clean` in one
transaction. Not `dumpdata`/`loaddata`, which saves every object again and so adds a history row per object.

A restore brings back the whole database: the record, its history, users, sessions and tokens, as they were.
The server-drawn pictures and the kept answers are cached per map data version, and the restored record will
reach version numbers the discarded one already used, so the restore empties both caches too (their keys hold
the moment of each bump as well, mapapp/answers.py, so this is a second guard).
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
from pathlib import Path

from django.conf import settings
from django.db import connection


class BackupError(Exception):
    """A backup or restore that cannot be done, with a message naming the file by the name it was given."""


def _is_sqlite() -> bool:
    return connection.vendor == "sqlite"


def _pg_command(program: str, *args: str) -> tuple[list[str], dict[str, str]]:
    db = connection.settings_dict
    command = [program, "--no-password", "--dbname", db["NAME"]]
    for flag, key in (("--host", "HOST"), ("--port", "PORT"), ("--username", "USER")):
        if db.get(key):
            command += [flag, str(db[key])]
    env = {**os.environ, "PGPASSWORD": db.get("PASSWORD") or ""}
    return command + list(args), env


def _run(command: list[str], env: dict[str, str], shown: str) -> None:
    if shutil.which(command[0]) is None:
        raise BackupError(f"{command[0]} is not installed (Debian: apt-get install postgresql-client-15)")
    result = subprocess.run(command, env=env, capture_output=True, text=True)
    if result.returncode != 0:
        raise BackupError(f"{command[0]} failed for {shown}: {result.stderr.strip()[-500:]}")


def backup_to(path: Path, *, shown: str) -> None:
    """Write the whole database to `path` (SQLite: a database file; PostGIS: a pg_dump custom archive)."""
    if path.exists():
        raise BackupError(f"{shown} already exists; choose a new name")
    path.parent.mkdir(parents=True, exist_ok=True)
    if _is_sqlite():
        connection.ensure_connection()
        target = sqlite3.connect(path)
        try:
            with target:
                connection.connection.backup(target)
        finally:
            target.close()
        return
    command, env = _pg_command("pg_dump", "--format=custom", "--file", str(path))
    _run(command, env, shown)


def _check_sqlite_backup(path: Path, shown: str) -> sqlite3.Connection:
    try:
        source = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        ok = source.execute("PRAGMA integrity_check").fetchone()[0]
        has_migrations = source.execute(
            "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'django_migrations'"
        ).fetchone()[0]
    except sqlite3.DatabaseError:
        raise BackupError(f"{shown} is not an SQLite backup of this site") from None
    if ok != "ok" or not has_migrations:
        source.close()
        raise BackupError(f"{shown} is not an SQLite backup of this site ({ok})")
    return source


def restore_from(path: Path, *, shown: str) -> None:
    """Replace the whole database with the backup at `path`, then empty the picture cache."""
    if not path.is_file():
        raise BackupError(f"no backup file {shown}")
    if _is_sqlite():
        source = _check_sqlite_backup(path, shown)
        connection.ensure_connection()
        try:
            source.backup(connection.connection)
        finally:
            source.close()
    else:
        listing, env = _pg_command("pg_restore", "--list", str(path))
        listing.remove("--dbname")
        listing.remove(connection.settings_dict["NAME"])
        _run(listing, env, shown)
        connection.close()  # our own open connection would hold locks the drops wait for
        command, env = _pg_command(
            "pg_restore", "--clean", "--if-exists", "--single-transaction", "--no-owner", "--no-privileges", str(path)
        )
        _run(command, env, shown)
    for setting in ("EMBED_IMAGE_CACHE_DIR", "ANSWER_CACHE_DIR"):
        cache = Path(getattr(settings, setting))
        if cache.is_dir():
            shutil.rmtree(cache)
