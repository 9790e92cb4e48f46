import datetime as dt
import time
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from mapapp import timelapse
from mapapp.models import Map


class Command(BaseCommand):
    help = (
        "Make a film of a map over a range of dates, as a GIF or an MP4 (H.264), drawn like the map picture with "
        "the date large on every frame: manage.py timelapse SLUG OUT.gif --from 2016-01-01 --to 2017-12-31"
    )

    def add_arguments(self, parser):
        parser.add_argument("slug")
        parser.add_argument("out", help="the film's file: .gif or .mp4")
        parser.add_argument("--from", dest="first", help="first day (default: the map's start)")
        parser.add_argument("--to", dest="last", help="last day, inclusive (default: the map's end)")
        parser.add_argument("--step", choices=timelapse.STEPS, default="day")
        parser.add_argument("--width", type=int, default=960, help="pixels (default 960)")
        parser.add_argument("--height", type=int, default=640, help="pixels (default 640)")
        parser.add_argument("--lang", choices=("en", "ar"), default="en")
        parser.add_argument("--theme", choices=tuple(timelapse.mapimage.THEMES), default="light")
        parser.add_argument("--fps", type=int, default=6, help="frames a second, 1 to 60 (default 6)")

    def _date(self, raw: str | None, name: str, default: dt.date, map_: Map) -> dt.date:
        if raw is None:
            return default
        try:
            day = dt.date.fromisoformat(raw)
        except ValueError:
            raise CommandError(f"--{name} must be a date as YYYY-MM-DD, got {raw!r}") from None
        if not map_.start <= day <= map_.end:
            raise CommandError(f"--{name} {day} is outside the map's dates {map_.start}..{map_.end}")
        return day

    def handle(self, *args, slug, out, first, last, step, width, height, lang, theme, fps, **options):
        verbosity = options.get("verbosity", 1)
        map_ = Map.objects.filter(slug=slug).first()
        if map_ is None:
            raise CommandError(f"no map {slug!r}")
        first = self._date(first, "from", map_.start, map_)
        last = self._date(last, "to", map_.end, map_)
        if first > last:
            raise CommandError(f"--from {first} is after --to {last}")
        path = Path(out)
        format = path.suffix.lower().lstrip(".")
        if format not in timelapse.FORMATS:
            raise CommandError(f"the film's file must end in .gif or .mp4, got {path.name!r}")
        if not timelapse.MIN_WIDTH <= width <= timelapse.MAX_WIDTH:
            raise CommandError(f"--width must be {timelapse.MIN_WIDTH} to {timelapse.MAX_WIDTH} pixels, got {width}")
        if not timelapse.MIN_HEIGHT <= height <= timelapse.MAX_HEIGHT:
            raise CommandError(
                f"--height must be {timelapse.MIN_HEIGHT} to {timelapse.MAX_HEIGHT} pixels, got {height}"
            )
        if format == "mp4" and (width % 2 or height % 2):
            raise CommandError(f"an MP4 (yuv420p) needs an even width and height, got {width}x{height}")
        if not 1 <= fps <= 60:
            raise CommandError(f"--fps must be 1 to 60, got {fps}")
        count = len(timelapse.frame_dates(first, last, step))
        if count > timelapse.MAX_FRAMES:
            raise CommandError(f"{count} frames is more than {timelapse.MAX_FRAMES}: take a longer --step")
        if not path.parent.is_dir():
            raise CommandError(f"no folder {path.parent} to write the film in")

        began = time.perf_counter()
        shown = {"percent": -1}

        def progress(done: int, total: int) -> None:
            percent = done * 100 // total
            if verbosity >= 2 and percent // 10 != shown["percent"] // 10:
                self.stdout.write(f"  {percent}% ({done}/{total} frames)")
            shown["percent"] = percent

        try:
            film = timelapse.make_film(map_, first=first, last=last, step=step, format=format, width=width,
                                       height=height, lang=lang, theme=theme, fps=fps, progress=progress)  # fmt: skip
        except RuntimeError as exc:
            raise CommandError(str(exc)) from None
        path.write_bytes(film.content)
        self.stdout.write(
            self.style.SUCCESS(
                f"{path}: {len(film.dates)} frames ({first}..{last} by {step}), {film.drawn} pictures drawn, "
                f"{width}x{height}, {len(film.content) / 1e6:.2f} MB, in {time.perf_counter() - began:.1f} s"
            )
        )
