"""The three files events are imported from, each read into EventRow: ACLED's export, UCDP GED's, and a plain
CSV with named columns. Reading checks each row on its own (dates, numbers, known codes); what needs the map
(inside its area and dates, its actors) is checked by mapapp.services.events.events_import.

ACLED (acleddata.com export or API as CSV): event_id_cnty, event_date (2017-06-15 or "15 June 2017"),
time_precision (1 day, 2 week, 3 month), event_type, sub_event_type, actor1, actor2, admin1..3, location,
latitude, longitude, geo_precision (1 the place, 2 near it, 3 the province), source ("A; B" publishers), notes,
fatalities, timestamp. Other ACLED columns (inter1, iso, tags, ...) are ignored.

UCDP GED (ucdp.uu.se, GEDEvent CSV): id, date_start, date_end, date_prec (1 exact, 2 within 2-6 days,
3 the week, 4 the month, 5 longer), where_prec (1 exact, 2 within 25 km, 3 second-order division, 4 first-order
division, 5 along a line or a larger area, 6 the country, 7 air or sea), side_a, side_b, latitude, longitude,
best, low, high, source_article, source_headline, and where present type_of_violence, where_coordinates,
adm_1, adm_2.

Plain CSV: id, date, event_type, latitude, longitude required; date_end, date_precision (day/week/month/year),
sub_event_type, actor1, actor2, actors (slugs of the map's actors, ";"-separated), location, admin_area,
geo_precision (exact/near/district/province/country), fatalities, fatalities_low, fatalities_high, source
(titles, ";"-separated), source_url, notes optional.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import math
import re
from collections.abc import Iterator
from dataclasses import dataclass, field

from mapapp.events.models import EventDatePrecision, EventOrigin, GeoPrecision
from mapapp.lib.params import parse_date

FORMATS = ("acled", "ucdp", "csv")

ACLED_REQUIRED = ("event_id_cnty", "event_date", "event_type", "latitude", "longitude")
UCDP_REQUIRED = ("id", "date_start", "latitude", "longitude", "best")
CSV_REQUIRED = ("id", "date", "event_type", "latitude", "longitude")

ACLED_TIME_PRECISION = {"1": EventDatePrecision.DAY, "2": EventDatePrecision.WEEK, "3": EventDatePrecision.MONTH}
ACLED_GEO_PRECISION = {"1": GeoPrecision.EXACT, "2": GeoPrecision.NEAR, "3": GeoPrecision.PROVINCE}
UCDP_DATE_PRECISION = {
    "1": EventDatePrecision.DAY,
    "2": EventDatePrecision.WEEK,
    "3": EventDatePrecision.WEEK,
    "4": EventDatePrecision.MONTH,
    "5": EventDatePrecision.YEAR,
}
UCDP_WHERE_PRECISION = {
    "1": GeoPrecision.EXACT,
    "2": GeoPrecision.NEAR,
    "3": GeoPrecision.DISTRICT,
    "4": GeoPrecision.PROVINCE,
    "5": GeoPrecision.PROVINCE,
    "6": GeoPrecision.COUNTRY,
    "7": GeoPrecision.COUNTRY,
}
UCDP_VIOLENCE = {"1": "State-based violence", "2": "Non-state violence", "3": "One-sided violence"}

_ISO_DATE = re.compile(r"^(\d{4}-\d{2}-\d{2})(?:[ T]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?$")


@dataclass(frozen=True)
class SourceRef:
    title: str
    publisher: str = ""
    url: str = ""
    quote: str = ""


@dataclass
class EventRow:
    """One event as read from a file (or built by a caller), before it meets the map."""

    line: int
    origin: str
    external_id: str
    date: dt.date
    event_type: str
    longitude: float
    latitude: float
    date_end: dt.date | None = None
    date_precision: str = EventDatePrecision.DAY
    sub_event_type: str = ""
    actor1: str = ""
    actor2: str = ""
    actor_slugs: tuple[str, ...] = ()
    location_name: str = ""
    admin_area: str = ""
    geo_precision: str = GeoPrecision.EXACT
    fatalities_best: int | None = None
    fatalities_low: int | None = None
    fatalities_high: int | None = None
    sources: tuple[SourceRef, ...] = field(default_factory=tuple)
    notes: str = ""


class RowError(Exception):
    """A row that cannot be read: `problems` is [(column, message)]."""

    def __init__(self, problems: list[tuple[str, str]]):
        super().__init__("; ".join(message for _column, message in problems))
        self.problems = problems


class FileError(Exception):
    """The file as a whole cannot be read (not CSV, wrong columns)."""


def _text(row: dict, column: str, limit: int, problems: list) -> str:
    value = (row.get(column) or "").strip()
    if "\x00" in value:
        problems.append((column, f"{column} holds a NUL character"))
        return ""
    if len(value) > limit:
        problems.append((column, f"{column} is longer than {limit} characters ({len(value)})"))
        return value[:limit]
    return value


def _date(row: dict, column: str, problems: list, *, required: bool = True) -> dt.date | None:
    raw = (row.get(column) or "").strip()
    if not raw:
        if required:
            problems.append((column, f"{column} is empty"))
        return None
    match = _ISO_DATE.match(raw)
    try:
        if match:  # UCDP GED writes a time after the day ("2017-06-11 00:00:00.000"): the day is what counts
            return parse_date(match.group(1))
        # ACLED's export tool writes "15 June 2017"; its API writes ISO dates.
        return dt.datetime.strptime(raw, "%d %B %Y").date()
    except ValueError:  # parse_date's errors are ValueErrors too
        problems.append((column, f"{column} {raw!r} is not a date (YYYY-MM-DD or '15 June 2017')"))
        return None


def _coordinate(row: dict, column: str, limit: float, problems: list) -> float:
    raw = (row.get(column) or "").strip()
    try:
        value = float(raw)
    except ValueError:
        problems.append((column, f"{column} {raw!r} is not a number" if raw else f"{column} is empty"))
        return 0.0
    if not math.isfinite(value) or not -limit <= value <= limit:
        problems.append((column, f"{column} {raw} is outside -{limit:g}..{limit:g}"))
        return 0.0
    return value


def _count(row: dict, column: str, problems: list) -> int | None:
    raw = (row.get(column) or "").strip()
    if not raw:
        return None
    if not re.fullmatch(r"[0-9]{1,9}", raw):
        problems.append((column, f"{column} {raw!r} is not a whole number of people (0 or more)"))
        return None
    return int(raw)


def _code(row: dict, column: str, codes: dict, problems: list, default: str) -> str:
    raw = (row.get(column) or "").strip()
    if not raw:
        return default
    if raw not in codes:
        problems.append((column, f"{column} {raw!r} is not one of {', '.join(codes)}"))
        return default
    return codes[raw]


def _fatalities_order(best, low, high, problems: list) -> None:
    if best is not None and low is not None and low > best:
        problems.append(("low", f"low estimate {low} is above the best estimate {best}"))
    if best is not None and high is not None and high < best:
        problems.append(("high", f"high estimate {high} is below the best estimate {best}"))


def _required(row: dict, column: str, limit: int, problems: list) -> str:
    value = _text(row, column, limit, problems)
    if not value and (row.get(column) or "").strip() == "":
        problems.append((column, f"{column} is empty"))
    return value


def _span(row: dict, first: str, last: str, problems: list) -> tuple[dt.date | None, dt.date | None]:
    """The first day and the last (None when the same day, or not given); a last day before the first is a
    problem of `last`."""
    start = _date(row, first, problems)
    end = _date(row, last, problems, required=False)
    if start is not None and end is not None and end < start:
        problems.append((last, f"{last} {end} is before {first} {start}"))
    return start, (end if end != start else None)


def _point(row: dict, problems: list) -> dict:
    return {
        "latitude": _coordinate(row, "latitude", 90, problems),
        "longitude": _coordinate(row, "longitude", 180, problems),
    }


def _event_row(problems: list, **values) -> EventRow:
    """The row read, or every problem found in it (each reader checks all its columns before this)."""
    if problems:
        raise RowError(problems)
    return EventRow(**values)


def _split(value: str) -> list[str]:
    return [part.strip() for part in value.split(";") if part.strip()]


def _acled(row: dict, line: int) -> EventRow:
    problems: list = []
    external_id = _required(row, "event_id_cnty", 100, problems)
    on = _date(row, "event_date", problems)
    event_type = _required(row, "event_type", 100, problems)
    admin = [_text(row, column, 100, problems) for column in ("admin1", "admin2", "admin3")]
    publishers = _split(_text(row, "source", 2000, problems))
    fatalities = _count(row, "fatalities", problems)
    return _event_row(
        problems,
        line=line,
        origin=EventOrigin.ACLED,
        external_id=external_id,
        date=on,
        event_type=event_type,
        **_point(row, problems),
        date_precision=_code(row, "time_precision", ACLED_TIME_PRECISION, problems, EventDatePrecision.DAY),
        sub_event_type=_text(row, "sub_event_type", 100, problems),
        actor1=_text(row, "actor1", 300, problems),
        actor2=_text(row, "actor2", 300, problems),
        location_name=_text(row, "location", 300, problems),
        admin_area=" / ".join(part for part in admin if part),
        geo_precision=_code(row, "geo_precision", ACLED_GEO_PRECISION, problems, GeoPrecision.EXACT),
        fatalities_best=fatalities,
        # ACLED's figure is its one conservative estimate: it is the best, the low and the high.
        fatalities_low=fatalities,
        fatalities_high=fatalities,
        sources=tuple(SourceRef(title=name[:500], publisher=name[:300]) for name in publishers),
        notes=_text(row, "notes", 10000, problems),
    )


def _ucdp(row: dict, line: int) -> EventRow:
    problems: list = []
    external_id = _required(row, "id", 100, problems)
    start, end = _span(row, "date_start", "date_end", problems)
    best, low, high = (_count(row, column, problems) for column in ("best", "low", "high"))
    if best is None and not any(column == "best" for column, _message in problems):
        problems.append(("best", "best is empty"))
    _fatalities_order(best, low, high, problems)
    violence = (row.get("type_of_violence") or "").strip()
    admin = [_text(row, column, 150, problems) for column in ("adm_1", "adm_2")]
    headline = _text(row, "source_headline", 10000, problems)
    article = _text(row, "source_article", 10000, problems)
    sources = ()
    if headline or article:
        # GED cites its sources as one text ("Reuters,2017-06-15,..."; "AFP,..."): kept whole as the quote.
        title = (headline.split(";")[0].strip() or f"UCDP GED event {external_id}")[:500]
        sources = (SourceRef(title=title, publisher="UCDP GED", quote=article),)
    return _event_row(
        problems,
        line=line,
        origin=EventOrigin.UCDP,
        external_id=external_id,
        date=start,
        date_end=end,
        event_type=UCDP_VIOLENCE.get(violence, "Organised violence"),
        **_point(row, problems),
        date_precision=_code(row, "date_prec", UCDP_DATE_PRECISION, problems, EventDatePrecision.DAY),
        actor1=_text(row, "side_a", 300, problems),
        actor2=_text(row, "side_b", 300, problems),
        location_name=_text(row, "where_coordinates", 300, problems),
        admin_area=" / ".join(part for part in admin if part),
        geo_precision=_code(row, "where_prec", UCDP_WHERE_PRECISION, problems, GeoPrecision.EXACT),
        fatalities_best=best,
        fatalities_low=low,
        fatalities_high=high,
        sources=sources,
    )


def _plain(row: dict, line: int) -> EventRow:
    problems: list = []
    external_id = _required(row, "id", 100, problems)
    on, end = _span(row, "date", "date_end", problems)
    event_type = _required(row, "event_type", 100, problems)
    best, low, high = (_count(row, column, problems) for column in ("fatalities", "fatalities_low", "fatalities_high"))
    _fatalities_order(best, low, high, problems)
    precisions = {value: value for value in EventDatePrecision.values}
    places = {value: value for value in GeoPrecision.values}
    url = _text(row, "source_url", 1000, problems)
    if url and not re.match(r"^https?://\S+$", url):
        problems.append(("source_url", f"source_url {url!r} is not an http(s) address"))
        url = ""
    titles = _split(_text(row, "source", 2000, problems))
    sources = tuple(SourceRef(title=title[:500], url=url if len(titles) == 1 else "") for title in titles)
    return _event_row(
        problems,
        line=line,
        origin=EventOrigin.CSV,
        external_id=external_id,
        date=on,
        date_end=end,
        event_type=event_type,
        **_point(row, problems),
        date_precision=_code(row, "date_precision", precisions, problems, EventDatePrecision.DAY),
        sub_event_type=_text(row, "sub_event_type", 100, problems),
        actor1=_text(row, "actor1", 300, problems),
        actor2=_text(row, "actor2", 300, problems),
        actor_slugs=tuple(_split(_text(row, "actors", 1000, problems))),
        location_name=_text(row, "location", 300, problems),
        admin_area=_text(row, "admin_area", 300, problems),
        geo_precision=_code(row, "geo_precision", places, problems, GeoPrecision.EXACT),
        fatalities_best=best,
        fatalities_low=low,
        fatalities_high=high,
        sources=sources,
        notes=_text(row, "notes", 10000, problems),
    )


READERS = {"acled": (_acled, ACLED_REQUIRED), "ucdp": (_ucdp, UCDP_REQUIRED), "csv": (_plain, CSV_REQUIRED)}


def detect_format(columns: list[str]) -> str:
    """The format a header names: ACLED's event_id_cnty, UCDP's date_start and side_a, else the plain CSV."""
    names = set(columns)
    if "event_id_cnty" in names:
        return "acled"
    if {"date_start", "side_a"} <= names:
        return "ucdp"
    return "csv"


def read_rows(text: str, format: str | None = None) -> tuple[str, Iterator[tuple[int, EventRow | RowError]]]:
    """(format, rows): each row is (line, EventRow) or (line, RowError); `line` is the file line the row
    starts on (the header is line 1). FileError when the header lacks a required column of the format."""
    if "\x00" in text:
        raise FileError("the file holds NUL characters: not a CSV text file")
    reader = csv.DictReader(io.StringIO(text, newline=""))
    try:
        columns = [name.strip() for name in (reader.fieldnames or [])]
    except csv.Error as exc:
        raise FileError(f"line 1: not a CSV header ({exc})") from None
    if not columns:
        raise FileError("the file is empty: no header line")
    reader.fieldnames = columns
    format = format or detect_format(columns)
    if format not in READERS:
        raise FileError(f"unknown format {format!r}; the formats are {', '.join(FORMATS)}")
    read, required = READERS[format]
    missing = [name for name in required if name not in columns]
    if missing:
        raise FileError(f"line 1: the {format} format needs the column(s) {', '.join(missing)}")

    def rows() -> Iterator[tuple[int, EventRow | RowError]]:
        line = reader.line_num + 1
        while True:
            try:
                row = next(reader)
            except StopIteration:
                return
            except csv.Error as exc:
                yield line, RowError([("", f"not readable as CSV ({exc})")])
                return
            if None in row:  # more cells than the header has columns
                yield line, RowError([("", f"{len(columns) + len(row[None])} cells for {len(columns)} columns")])
            elif any((value or "").strip() for value in row.values()):
                try:
                    yield line, read(row, line)
                except RowError as error:
                    yield line, error
            line = reader.line_num + 1

    return format, rows()
