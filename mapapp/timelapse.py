"""The map over a range of dates as a film (GIF or MP4), drawn on the server like the map picture.

Each frame is mapapp.mapimage's picture of the map on the frame's date (zones, fronts, sieges, legend, title,
credit; Arabic right to left), with the date written large on it. The picture itself is drawn only when the
map changes: control and sieges change only on the days periods and sieges begin or end, so a frame whose date
crosses none of those days reuses the last picture, and a candidate frame whose zones, holders and sieges turn
out the same as the last one's does too. Only the large date is drawn on every frame (with Pillow, in about a
millisecond), which is what makes a two-year daily film of the demo take seconds.

GIF: one palette for the whole film, made of the colours the pictures use most (the zones' fills, the actors'
legend swatches, the theme's ink and paper) taken exactly, with no dithering, so an actor's colour in the film
is the colour of its zones in the picture. MP4: H.264 in yuv420p (what browsers and social media play) through
the ffmpeg program (Debian's package, installed by scripts/setup.sh).
"""

from __future__ import annotations

import bisect
import calendar
import datetime as dt
import shutil
import subprocess
import tempfile
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, replace
from functools import cache
from io import BytesIO
from pathlib import Path

import numpy as np
from django.utils import formats, translation
from PIL import Image, ImageDraw, ImageFont

from mapapp import mapimage, selectors
from mapapp.models import ControlPeriod, Map, Siege, SiegePlace

STEPS = ("day", "week", "month")
FORMATS = ("gif", "mp4")
MAX_FRAMES = 5000
MIN_WIDTH, MAX_WIDTH = 200, 2000
MIN_HEIGHT, MAX_HEIGHT = 150, 2000


@dataclass(frozen=True)
class FrameOptions:
    """What mapimage.render_png reads from its options, without its own small date (the film writes the
    date large instead)."""

    date: dt.date
    width: int
    height: int
    lang: str = "en"
    theme: str = "light"
    zoom: int | None = None
    center: tuple[float, float] | None = None
    legend: bool = True
    show_date: bool = False


@dataclass
class Film:
    """What was made: the frames' dates, how many pictures were drawn, and the file's bytes."""

    dates: list[dt.date]
    drawn: int
    content: bytes
    format: str


def frame_dates(first: dt.date, last: dt.date, step: str) -> list[dt.date]:
    """first, first + step, ... up to last; last is always the final frame (the film ends on the day asked)."""
    if step not in STEPS:
        raise ValueError(f"step must be one of {', '.join(STEPS)}, got {step!r}")
    dates, day, months = [], first, 0
    while day <= last:
        dates.append(day)
        if step == "day":
            day = day + dt.timedelta(days=1)
        elif step == "week":
            day = day + dt.timedelta(days=7)
        else:  # the same day of each month, or the month's last day when it is shorter
            months += 1
            year, month = divmod(first.month - 1 + months, 12)
            year, month = first.year + year, month + 1
            day = dt.date(year, month, min(first.day, calendar.monthrange(year, month)[1]))
    if dates[-1] != last:
        dates.append(last)
    return dates


def change_days(map: Map) -> list[int]:
    """The days (as ordinals) on which what the picture shows can change: periods and sieges beginning or
    ending, places relieved. Sorted. Two queries."""
    days: set[dt.date] = set()
    for valid_from, valid_to in ControlPeriod.objects.filter(place__maps=map).values_list("valid_from", "valid_to"):
        days.add(valid_from)
        if valid_to:
            days.add(valid_to)
    sieges = Siege.objects.filter(siege_places__place__maps=map).distinct().values_list("start", "end")
    for start, end in sieges:
        days.add(start)
        if end:
            days.add(end)
    days.update(
        SiegePlace.objects.filter(place__maps=map, until__isnull=False).values_list("until", flat=True).distinct()
    )
    return sorted(day.toordinal() for day in days)


def _state(map: Map, on: dt.date) -> tuple:
    """What the picture of `on` depends on, besides the date: each zone's holder and status, the sieges."""
    states = selectors.zone_states_at(map=map, on=on)
    besieged = selectors.besieged_place_ids(map=map, on=on, states=states)
    return (
        tuple(sorted((place, state.actor_id, state.status) for place, state in states.items())),
        tuple(sorted((place, tuple(sieges)) for place, sieges in besieged.items())),
    )


@cache
def _font(arabic: bool, size: int):
    """The bold face mapimage draws in (Noto Sans, or Noto Sans Arabic), at `size` pixels; loaded once."""
    from matplotlib import font_manager  # lazy, as in mapimage: matplotlib is slow to load

    family = mapimage.ARABIC_FONT_FAMILY if arabic else mapimage.FONT_FAMILY
    return ImageFont.truetype(font_manager.findfont(font_manager.FontProperties(family=family, weight="bold")), size)


def _date_label(on: dt.date, lang: str) -> str:
    with translation.override(lang):
        return formats.date_format(on, "j F Y")


def _date_patch(picture, on: dt.date, options: FrameOptions):
    """((x, y), patch): the piece of `picture` where the date goes, with the date written large on it in a box
    in the map's top corner (the trailing one: top right in English, top left in Arabic), clear of the title
    above and the legend below. Only this piece differs between frames that share a picture."""

    theme = mapimage.THEMES[options.theme]
    text = _date_label(on, options.lang)
    unit = min(options.width, options.height)
    size = max(14, round(unit * 0.075))
    rtl = options.lang == "ar"
    font = _font(rtl, size)
    language = {"language": "ar", "direction": "rtl"} if rtl and ImageFont.core.HAVE_RAQM else {}
    left, top, right, bottom = font.getbbox(text, **language)
    pad = round(size * 0.35)
    # The header above the map is as tall as mapimage makes it (title size x 2.2).
    header = max(11.0, min(28.0, unit * 0.045)) * 2.2
    y = round(header + pad)
    box_width, box_height = right - left + 2 * pad, bottom - top + 2 * pad
    x = pad if rtl else options.width - pad - box_width
    patch = picture.crop((x, y, x + box_width + 1, y + box_height + 1))
    draw = ImageDraw.Draw(patch)
    draw.rectangle((0, 0, box_width, box_height), fill=theme["background"])
    draw.text((pad - left, pad - top), text, font=font, fill=theme["ink"], **language)
    return (x, y), patch


def _frame(picture, on: dt.date, options: FrameOptions):
    """The whole frame in RGB: the picture with its date."""
    where, patch = _date_patch(picture, on, options)
    frame = picture.copy()
    frame.paste(patch, where)
    return frame


def _pictures(map: Map, dates: list[dt.date], options: FrameOptions, progress) -> tuple[list, list[int]]:
    """The distinct map pictures and, for each date, the index of its picture."""

    boundaries = change_days(map)
    pictures: list = []
    index_of: list[int] = []
    last_state = None
    previous: dt.date | None = None
    for number, on in enumerate(dates):
        crossed = previous is None or bisect.bisect_right(boundaries, on.toordinal()) != bisect.bisect_right(
            boundaries, previous.toordinal()
        )
        if crossed:
            state = _state(map, on)
            if state != last_state:
                png = mapimage.render_png(map, replace(options, date=on))
                pictures.append(Image.open(BytesIO(png)).convert("RGB"))
                last_state = state
        index_of.append(len(pictures) - 1)
        previous = on
        if progress is not None:
            progress(number + 1, len(dates))
    return pictures, index_of


class _Palette:
    """A 256-colour palette: the `must` colours, then the colours the pictures use most, exactly. Pillow's own
    mapping to a given palette looks colours up in a cube of 64 levels a channel, which turns near colours into
    one another (244 into 243); here a colour in the palette maps to itself, and only the others (edges of
    antialiased text and lines) to their nearest."""

    def __init__(self, pictures: list, must: list[str]):

        counts: Counter = Counter()
        for picture in pictures:
            for count, colour in picture.getcolors(maxcolors=picture.width * picture.height):
                counts[colour] += count
        colours = []
        for hex_colour in must:
            colour = tuple(int(hex_colour[i : i + 2], 16) for i in (1, 3, 5))
            if colour not in colours:
                colours.append(colour)
        for colour, _count in counts.most_common():
            if len(colours) == 256:
                break
            if colour not in colours:
                colours.append(colour)
        self.colours = np.array(colours, dtype=np.int32)
        self.norms = (self.colours.astype(np.int64) ** 2).sum(axis=1)
        keys = (self.colours[:, 0] << 16) | (self.colours[:, 1] << 8) | self.colours[:, 2]
        self.order = np.argsort(keys)
        self.keys = keys[self.order]
        flat = [int(channel) for colour in colours for channel in colour]
        self.flat = flat + flat[-3:] * (256 - len(colours))

    def indexed(self, image):
        """`image` (RGB) as a "P" image on this palette."""

        pixels = np.asarray(image, dtype=np.int32)
        keys = (pixels[..., 0] << 16) | (pixels[..., 1] << 8) | pixels[..., 2]
        # The colours the picture uses, in order, and each pixel's slot through a table of every 24-bit colour:
        # np.unique(..., return_inverse=True) gives the same, but sorts the picture's 600,000 pixels to do it
        # (a quarter of a film's CPU); marking them in a table of 16 MB and reading it back is a tenth of that.
        seen = np.zeros(1 << 24, dtype=bool)
        seen[keys] = True
        unique = np.flatnonzero(seen)
        slot = np.clip(np.searchsorted(self.keys, unique), 0, len(self.keys) - 1)
        found = self.keys[slot] == unique
        index = np.where(found, self.order[slot], 0)
        missing = np.flatnonzero(~found)
        if len(missing):
            rgb = np.stack([(unique[missing] >> 16) & 255, (unique[missing] >> 8) & 255, unique[missing] & 255], 1)
            # The squared distance to each palette colour less the colour's own |rgb|², the same for every
            # palette colour: |rgb - c|² - |rgb|² = |c|² - 2 rgb·c, in whole numbers (so ties fall as before, on
            # the first), without the missing × 256 × 3 array of differences.
            distance = self.norms[None, :] - 2 * (rgb @ self.colours.T)
            index[missing] = distance.argmin(axis=1)
        table = np.empty(1 << 24, dtype=np.uint8)  # only the entries of the picture's colours are written and read
        table[unique] = index
        result = Image.fromarray(table[keys], mode="P")
        result.putpalette(self.flat)
        return result


def make_film(
    map: Map,
    *,
    first: dt.date,
    last: dt.date,
    step: str = "day",
    format: str = "gif",
    width: int = 960,
    height: int = 640,
    lang: str = "en",
    theme: str = "light",
    fps: int = 6,
    progress: Callable[[int, int], None] | None = None,
) -> Film:
    """The film of `map` from `first` to `last` (inclusive) by `step`, `fps` frames a second."""
    if format not in FORMATS:
        raise ValueError(f"format must be one of {', '.join(FORMATS)}, got {format!r}")
    dates = frame_dates(first, last, step)
    options = FrameOptions(date=first, width=width, height=height, lang=lang, theme=theme)
    pictures, index_of = _pictures(map, dates, options, progress)
    if format == "gif":
        content = _gif(map, pictures, index_of, dates, options, fps)
    else:
        frames = (_frame(pictures[index], on, options) for on, index in zip(dates, index_of, strict=True))
        content = _mp4(frames, options, fps)
    return Film(dates=dates, drawn=len(pictures), content=content, format=format)


def _gif(map: Map, pictures, index_of, dates, options: FrameOptions, fps: int) -> bytes:
    """Each picture is mapped to the palette once; a frame is its picture's indexed copy with the date's patch
    (mapped alone) pasted in."""
    theme = mapimage.THEMES[options.theme]
    sample = _frame(pictures[-1], dates[-1], options)
    must = [actor.color for actor in selectors.actors_by_id().values()]
    must += [theme["background"], theme["ink"], theme["land"], theme["muted"], mapimage.UNKNOWN_FILL]
    palette = _Palette([*pictures, sample], must)
    bases = [palette.indexed(picture) for picture in pictures]
    indexed = []
    for on, index in zip(dates, index_of, strict=True):
        where, patch = _date_patch(pictures[index], on, options)
        frame = bases[index].copy()
        frame.paste(palette.indexed(patch), where)
        indexed.append(frame)
    out = BytesIO()
    indexed[0].save(
        out, format="GIF", save_all=True, append_images=indexed[1:], duration=round(1000 / fps), loop=0,
        optimize=False, disposal=1,
    )  # fmt: skip
    return out.getvalue()


def ffmpeg_path() -> str:
    found = shutil.which("ffmpeg")
    if not found:
        raise RuntimeError("the ffmpeg program is missing: apt-get install ffmpeg (scripts/setup.sh does)")
    return found


def _mp4(frames, options: FrameOptions, fps: int) -> bytes:
    """H.264, yuv420p, +faststart (the index first, so a browser plays it while it loads). Width and height
    must be even (yuv420p halves them for colour)."""

    with tempfile.TemporaryDirectory() as folder:
        target = Path(folder) / "film.mp4"
        command = [
            ffmpeg_path(), "-hide_banner", "-loglevel", "error", "-y", "-f", "rawvideo", "-pix_fmt", "rgb24",
            "-s", f"{options.width}x{options.height}", "-r", str(fps), "-i", "-", "-c:v", "libx264",
            "-pix_fmt", "yuv420p", "-preset", "veryfast", "-crf", "20", "-movflags", "+faststart", str(target),
        ]  # fmt: skip
        process = subprocess.Popen(command, stdin=subprocess.PIPE, stderr=subprocess.PIPE)
        try:
            for frame in frames:
                process.stdin.write(frame.tobytes())
            process.stdin.close()
        except BrokenPipeError:
            pass
        error = process.stderr.read().decode(errors="replace")
        if process.wait() != 0:
            raise RuntimeError(f"ffmpeg failed: {error.strip()[:500]}")
        return target.read_bytes()
