"""A file cache of things made once per map data version: one folder per map and version, least recently used
files out first when it grows past a size.

Three caches use it: the server-drawn pictures (mapapp/mapimage.py), the kept answers of the read API
(mapapp/answers.py) and the readers' films (mapapp/services/films.py). A key names its map's data version, so an
edit (which moves the version, mapapp/versioning.py) makes every old file unreachable; writing the first file of a
new version removes the old version's folder. Files are written whole and renamed into place, so a reader in another
process sees the old file or the new one, never half of one. The cache is per machine: with several app servers each
keeps its own copy, which is correct since every key holds the version it was made for.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import time
from pathlib import Path


class VersionedFileCache:
    def __init__(self, root: Path, limit_bytes: int, pattern: str = "*", mark_every_s: float = 0):
        self.root = Path(root)
        # A hit marks its file as just used unless it was marked in the last `mark_every_s` seconds: a write of
        # the inode on every hit can cost more than the read where hits come by the thousand a second.
        self.mark_every_ns = int(mark_every_s * 1_000_000_000)
        self.limit_bytes = limit_bytes
        self.pattern = pattern  # which files count towards the size (others, e.g. temporaries, are left alone)

    def folder(self, map_key: str, version: int) -> Path:
        return self.root / map_key / f"v{version}"

    def read(self, path: Path | str) -> bytes | None:
        """The file's bytes, or None when it is not there. A hit marks it as just used (see mark_every_s), which
        the size cap evicts by."""
        try:
            with open(path, "rb") as handle:
                data = handle.read()
                stamped = os.fstat(handle.fileno()).st_mtime_ns
        except FileNotFoundError:
            return None
        if time.time_ns() - stamped >= self.mark_every_ns:
            mark_used(path)
        return data

    def write(self, path: Path, data: bytes) -> None:
        """Keep `data` at `path` (in a version folder), remove older versions of the same map, trim to the cap."""
        folder = path.parent
        folder.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(dir=folder, suffix=".tmp")
        with os.fdopen(handle, "wb") as out:
            out.write(data)
        os.replace(temporary, path)  # atomic: a concurrent reader sees the old file or the whole new one
        mark_used(path)
        for old in folder.parent.iterdir():
            if old != folder and old.name.startswith("v"):
                shutil.rmtree(old, ignore_errors=True)
        self.trim(keep=path)

    def trim(self, keep: Path | None = None) -> int:
        """Remove the least recently used files until the cache holds at most its limit; returns how many were
        removed. `keep` (the file just written) is never removed, even when it alone is over the limit: whoever
        wrote it is about to offer it. Another process may be removing the same files: a file already gone is
        skipped."""
        keep = Path(keep) if keep is not None else None
        files = []
        for path in self.root.rglob(self.pattern):
            try:
                stat = path.stat()
            except FileNotFoundError:
                continue
            if not path.is_file() or path.suffix == ".tmp" or path == keep:
                continue
            files.append((stat.st_mtime_ns, stat.st_size, path))
        total = sum(size for _mtime, size, _path in files) + (keep.stat().st_size if keep and keep.exists() else 0)
        removed = 0
        for _mtime, size, path in sorted(files, key=lambda item: item[0]):
            if total <= self.limit_bytes:
                break
            path.unlink(missing_ok=True)
            total -= size
            removed += 1
        return removed


def mark_used(path: Path | str) -> None:
    """Stamp a file as used now, from the fine clock: the kernel stamps a write with its coarse clock (a few ms a
    tick), so a file written and another read a moment later could carry the same time and the cap would evict
    the wrong one."""
    now = time.time_ns()
    try:
        os.utime(path, ns=(now, now))
    except FileNotFoundError:
        pass  # trimmed by another process between the read and now
