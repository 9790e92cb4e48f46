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

import math
import re
from dataclasses import dataclass, field
from pathlib import Path

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
