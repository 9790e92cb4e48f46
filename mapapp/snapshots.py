"""A monitor's dated snapshots read from files: "the ground ACTOR holds on date D" (manage.py import_control).

Reads what the gazetteer importer reads (GeoJSON, KML/KMZ, GeoPackage, zipped shapefiles; gazetteer.importer
.readers), plus gzipped files, folders and zips of many dated files. Every file is read and checked before
anything is recorded, so a bad file refuses the whole import with one line naming the problem.
"""

from __future__ import annotations

import datetime as dt
import gzip
import re
import shutil
import tempfile
import zipfile
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import shapely

from gazetteer.importer.options import ImportFileError
from gazetteer.importer.readers import read_layer
from mapapp.lib import geo

_DATE_IN_NAME = re.compile(r"(?<!\d)(\d{4})-?(\d{2})-?(\d{2})(?!\d)")
_READABLE = (".geojson", ".json", ".kml", ".kmz", ".gpkg", ".zip", ".shp")


class SnapshotError(Exception):
    """A file that cannot be a snapshot; the message names the file and the problem."""


@dataclass
class Snapshot:
    on: dt.date
    ground: shapely.MultiPolygon  # WGS84, valid, possibly empty (the actor holds nothing that day)
    label: str  # the file (and date) it came from, cited in the change's source


def date_in_name(name: str) -> dt.date | None:
    """A YYYYMMDD or YYYY-MM-DD date in a file name, or None."""
    for year, month, day in _DATE_IN_NAME.findall(name):
        try:
            return dt.date(int(year), int(month), int(day))
        except ValueError:
            continue
    return None


def _files(paths: list[Path], scratch: Path) -> list[Path]:
    """Every snapshot file under `paths`: folders walked, gzipped files unpacked, a zip of several dated files
    unpacked (a zip holding one shapefile or one file is read as it is)."""
    found: list[Path] = []
    for path in paths:
        if not path.exists():
            raise SnapshotError(f"{path}: no such file or folder")
        if path.is_dir():
            found.extend(_files(sorted(p for p in path.iterdir() if not p.name.startswith(".")), scratch))
        elif path.suffix.lower() == ".gz":
            target = scratch / path.stem
            try:
                with gzip.open(path, "rb") as packed, open(target, "wb") as unpacked:
                    shutil.copyfileobj(packed, unpacked)
            except (OSError, EOFError) as exc:
                raise SnapshotError(f"{path.name}: not a readable gzip file ({exc})") from None
            found.append(target)
        elif path.suffix.lower() == ".zip":
            try:
                with zipfile.ZipFile(path) as archive:
                    members = [m for m in archive.namelist() if not m.endswith("/")]
                    dated = [m for m in members if date_in_name(Path(m).name) and Path(m).suffix.lower() != ".shp"]
                    if len(dated) > 1 and not any(m.lower().endswith(".shp") for m in members):
                        folder = scratch / path.stem
                        archive.extractall(folder)
                        found.extend(_files([folder], scratch))
                        continue
            except zipfile.BadZipFile:
                raise SnapshotError(f"{path.name}: not a zip file") from None
            found.append(path)
        elif path.suffix.lower() in _READABLE:
            found.append(path)
        elif path.suffix.lower() not in (".dbf", ".shx", ".prj", ".cpg", ".qix", ".sbn", ".sbx", ".xml"):
            raise SnapshotError(f"{path.name}: not a file type this imports ({', '.join(_READABLE)}, or .gz)")
    return found


def _polygonal(label: str, frame: pd.DataFrame) -> list:
    shapes = [shape for shape in frame["geometry"] if shape is not None and not shape.is_empty]
    if not shapes:
        raise SnapshotError(f"{label}: no geometry (no feature has a polygon)")
    kinds = {shape.geom_type for shape in shapes}
    if not kinds & {"Polygon", "MultiPolygon"}:
        raise SnapshotError(f"{label}: a {'/'.join(sorted(kinds))} layer; a snapshot is polygons of ground held")
    polygons = []
    for shape in shapes:
        for part in shapely.get_parts(geo.polygonal(shapely.make_valid(shapely.force_2d(shape)))):
            polygons.append(part)
    return polygons


def read_snapshots(
    paths: list[str | Path], *, on: dt.date | None = None, date_field: str | None = None, start=None, end=None
) -> list[Snapshot]:
    """The snapshots in `paths`, sorted by date: one per file dated by `on`, the file name, or (with
    `date_field`) one per date found in that column. Dates outside [start, end] (the map's) are refused, as
    are two snapshots of one date. Raises SnapshotError naming the file and the problem."""
    by_date: dict[dt.date, list] = defaultdict(list)
    labels: dict[dt.date, str] = {}
    with tempfile.TemporaryDirectory(prefix="snapshots-") as scratch:
        files = _files([Path(p) for p in paths], Path(scratch))
        if not files:
            raise SnapshotError("no snapshot files found in " + ", ".join(str(p) for p in paths))
        for path in files:
            label = path.name
            try:
                layer = read_layer(path)
            except ImportFileError as exc:
                raise SnapshotError(str(exc)) from None
            frame = layer.frame
            if date_field is not None:
                if date_field not in frame.columns:
                    columns = ", ".join(c for c in frame.columns if c not in ("geometry", "_error"))
                    raise SnapshotError(f"{label}: no field {date_field!r} (fields: {columns})")
                for value, rows in frame.groupby(frame[date_field].astype(str)):
                    day = date_in_name(str(value)[:10])
                    if day is None:
                        raise SnapshotError(f"{label}: {date_field} {value!r} is not a date (YYYY-MM-DD)")
                    by_date[day].extend(_polygonal(f"{label} ({day})", rows))
                    labels[day] = f"{label}, {date_field} {day.isoformat()}"
                continue
            day = on or date_in_name(path.name)
            if day is None:
                raise SnapshotError(f"{label}: no date (give --date, --date-field, or a YYYY-MM-DD in the file name)")
            if day in labels and on is None:
                raise SnapshotError(f"{label}: a second snapshot of {day} (also {labels[day]})")
            by_date[day].extend(_polygonal(label, frame))
            labels[day] = label
    snapshots = []
    for day in sorted(by_date):
        if (start and day < start) or (end and day > end):
            raise SnapshotError(f"{labels[day]}: date {day} is outside the map ({start} to {end})")
        ground = geo.polygonal(shapely.union_all(by_date[day], grid_size=geo.SPLIT_GRID))
        snapshots.append(Snapshot(day, ground, labels[day]))
    return snapshots
