"""The labelled set for finding places in text (tests/data/geoparse/): reading it and scoring the matcher on it.

Each report is a text file: "key: value" lines (language, governorates, event, source), a blank line, then the
report with every place mention marked by hand as [[words as written|slug,slug]]. The slugs are the places a
reader could mean (a city and the governorate of the same name where the text allows both); "-" marks a place
the gazetteer does not hold (a country, a river, a camp), which no answer can get right and which is not counted
in recall, but which an answer may get wrong.

Scoring, per mention the matcher calls confident: right when it overlaps a marked mention and names one of its
places (or a place within SAME_PLACE_KM of one: the country gazetteer holds some towns twice). Recall counts the
marked mentions with places that a right answer met.
"""

from __future__ import annotations

import gzip
import io
import math
import re
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from django.core.management import call_command

from gazetteer.models import Place
from gazetteer.selectors import places_match

MARK = re.compile(r"\[\[([^|\]]+)\|([^\]]+)\]\]")
SAME_PLACE_KM = 10.0


@dataclass
class Mention:
    start: int
    end: int
    text: str
    slugs: tuple[str, ...]  # () for a place outside the gazetteer


@dataclass
class Report:
    name: str
    language: str
    governorates: tuple[str, ...]
    event: str
    source: str
    text: str
    mentions: list[Mention] = field(default_factory=list)


def read_report(path: Path) -> Report:
    head, _, body = path.read_text(encoding="utf-8").partition("\n\n")
    meta = dict(line.split(": ", 1) for line in head.splitlines())
    text, mentions, cursor = [], [], 0
    length = 0
    for found in MARK.finditer(body):
        before = body[cursor : found.start()]
        text.append(before)
        length += len(before)
        words, slugs = found.group(1), found.group(2).strip()
        places = () if slugs == "-" else tuple(s.strip() for s in slugs.split(","))
        mentions.append(Mention(length, length + len(words), words, places))
        text.append(words)
        length += len(words)
        cursor = found.end()
    text.append(body[cursor:])
    return Report(
        name=path.stem,
        language=meta["language"],
        governorates=tuple(meta["governorates"].split(",")),
        event=meta["event"],
        source=meta["source"],
        text="".join(text).strip("\n"),
        mentions=mentions,
    )


def read_reports(folder: Path) -> list[Report]:
    return [read_report(path) for path in sorted(folder.glob("*.txt"))]


def import_country(folder: Path) -> None:
    """The whole Syrian gazetteer the set is matched against, through import_places as an editor would bring it
    in: the 78 administrative areas (country, governorates, districts), then the 10,344 localities. The files are
    kept gzipped in `folder`/gazetteer; import_places reads them from a temporary folder."""
    with tempfile.TemporaryDirectory() as scratch:
        for name in ("syria-admin.geojson", "syria-localities.geojson"):
            path = Path(scratch) / name
            path.write_bytes(gzip.decompress((folder / "gazetteer" / f"{name}.gz").read_bytes()))
            call_command("import_places", str(path), stdout=io.StringIO())


def map_place_ids(report: Report) -> set[int]:
    """The zones of a map of the report's governorates: every place inside them (the harder case for matching:
    a map's zones are evidence for a common word, and a country's worth of them lends that to many)."""
    place_ids: set[int] = set()
    for slug in report.governorates:
        governorate = Place.objects.get(slug=slug)
        inside = Place.objects.filter(label_point__within=governorate.footprint)
        # not the country, whose label point happens to lie in one governorate
        inside = inside.exclude(area_km2__gt=governorate.area_km2)
        place_ids |= set(inside.values_list("id", flat=True))
    return place_ids


def evaluate(reports: list[Report]) -> dict[tuple[str, bool], Score]:
    """Precision and recall per (language, with a map or not) of places_match on the reports."""
    points = {p.slug: (p.label_point.x, p.label_point.y) for p in Place.objects.only("slug", "label_point")}
    slug_of = dict(Place.objects.values_list("id", "slug"))
    scores: dict[tuple[str, bool], Score] = {}
    for with_map in (False, True):
        for report in reports:
            place_ids = map_place_ids(report) if with_map else None
            answers = places_match(text=report.text, place_ids=place_ids)
            if place_ids is None:
                expected = lambda mention: True  # noqa: E731
            else:
                on_map = {slug_of[i] for i in place_ids}
                expected = lambda mention, on=on_map: bool(set(mention.slugs) & on)  # noqa: E731
            score = score_report(report, answers, points, expected)
            scores.setdefault((report.language, with_map), Score()).add(score)
    return scores


def _km(a: tuple[float, float], b: tuple[float, float]) -> float:
    lon1, lat1, lon2, lat2 = map(math.radians, (*a, *b))
    h = math.sin((lat2 - lat1) / 2) ** 2 + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    return 12742 * math.asin(math.sqrt(h))


@dataclass
class Score:
    right: int = 0  # confident answers that are right
    answered: int = 0  # confident answers
    found: int = 0  # marked mentions (of gazetteer places) that a right answer met
    marked: int = 0  # marked mentions of gazetteer places
    wrong: list[str] = field(default_factory=list)
    missed: list[str] = field(default_factory=list)

    @property
    def precision(self) -> float:
        return self.right / self.answered if self.answered else 1.0

    @property
    def recall(self) -> float:
        return self.found / self.marked if self.marked else 1.0

    def add(self, other: Score) -> None:
        self.right += other.right
        self.answered += other.answered
        self.found += other.found
        self.marked += other.marked
        self.wrong += other.wrong
        self.missed += other.missed


def score_report(report: Report, answers: list[dict], points: dict[str, tuple[float, float]], expected) -> Score:
    """`answers`: the matcher's mentions; `points`: slug -> (lon, lat) of every place; `expected(mention)`: whether
    a marked mention is to be found (all of them without a map; those of the map's places with one)."""
    score = Score()
    met: set[int] = set()
    for answer in answers:
        if not answer["confident"]:
            continue
        score.answered += 1
        right = False
        for number, mention in enumerate(report.mentions):
            if answer["start"] >= mention.end or answer["end"] <= mention.start:
                continue
            where = points.get(answer["place"])
            if answer["place"] in mention.slugs or any(
                where and slug in points and _km(where, points[slug]) <= SAME_PLACE_KM for slug in mention.slugs
            ):
                right = True
                met.add(number)
        if right:
            score.right += 1
        else:
            score.wrong.append(f"{report.name}: {answer['text']!r} -> {answer['place']} {answer.get('evidence')}")
    for number, mention in enumerate(report.mentions):
        if mention.slugs and expected(mention):
            score.marked += 1
            if number in met:
                score.found += 1
            else:
                score.missed.append(f"{report.name}: {mention.text!r} ({', '.join(mention.slugs)})")
    return score
