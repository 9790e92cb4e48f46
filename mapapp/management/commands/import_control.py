"""manage.py import_control: a monitor's dated snapshots become the record (docs/contract.md)."""

import datetime as dt
import sys

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from mapapp.lib.params import parse_date
from mapapp.models import Actor, ControlStatus, Map
from mapapp.services.imports import control_import
from mapapp.snapshots import SnapshotError, read_snapshots


def _date(value: str, option: str) -> dt.date:
    try:
        return parse_date(value)
    except ValueError:
        raise CommandError(f"{option} {value!r} is not a date (YYYY-MM-DD)") from None


class Command(BaseCommand):
    help = (
        "Import dated snapshots of the ground an actor holds (GeoJSON, gzipped GeoJSON, KML/KMZ, GeoPackage, zipped "
        "shapefiles; files, folders or zips of them) as control changes on a map: one per date and actor, with "
        "only what changed since the record before it. Drafts unless --publish --by REVIEWER."
    )

    def add_arguments(self, parser):
        parser.add_argument("paths", nargs="+")
        parser.add_argument("--map", required=True, help="the map's slug")
        parser.add_argument("--actor", required=True, help="whose ground the snapshots show")
        parser.add_argument("--else", dest="else_actor", help="who holds the map's ground outside the snapshot")
        dates = parser.add_mutually_exclusive_group()
        dates.add_argument("--date", help="the date of a single snapshot (else the file name's YYYY-MM-DD)")
        dates.add_argument("--date-field", help="a field holding each feature's date (many dates in one file)")
        parser.add_argument("--status", default="held", choices=ControlStatus.values)
        parser.add_argument("--source-title", default="", help="the source each change cites (default: file name)")
        parser.add_argument("--source-url", default="")
        parser.add_argument("--publish", action="store_true", help="publish each change (needs --by)")
        parser.add_argument("--by", help="the reviewer publishing (username)")
        parser.add_argument("--dry-run", action="store_true", help="do it all, report, and record nothing")

    def handle(self, *args, paths, map, actor, else_actor, date, date_field, status, source_title, source_url,
               publish, by, dry_run, **options):  # fmt: skip
        map_ = Map.objects.filter(slug=map).first()
        if map_ is None:
            raise CommandError(f"no map {map!r}")
        if map_.area is None:
            raise CommandError(f"the map {map!r} has no zones yet")
        actors = {}
        for option, slug in (("--actor", actor), ("--else", else_actor)):
            if slug is None:
                continue
            actors[option] = Actor.objects.filter(slug=slug).first()
            if actors[option] is None:
                raise CommandError(f"{option}: no actor {slug!r}")
        user = None
        if publish:
            if not by:
                raise CommandError("--publish needs --by USERNAME (the reviewer who publishes)")
            user = get_user_model().objects.filter(username=by).first()
            if user is None:
                raise CommandError(f"--by: no user {by!r}")
            if not user.has_perm("mapapp.publish_controlchange"):
                raise CommandError(f"--by: {by} may not publish control changes (not a reviewer)")
        try:
            snapshots = read_snapshots(
                paths,
                on=_date(date, "--date") if date else None,
                date_field=date_field,
                start=map_.start,
                end=map_.end,
            )
        except SnapshotError as exc:
            raise CommandError(f"refused, nothing recorded: {exc}") from None
        self.stdout.write(f"{len(snapshots)} snapshots, {snapshots[0].on} to {snapshots[-1].on}")

        def progress(done: int, total: int, day, seconds: float) -> None:
            eta = seconds / done * (total - done)
            bar = "#" * int(30 * done / total)
            sys.stderr.write(f"\r[{bar:<30}] {done}/{total} dates, {day}, {seconds:.0f}s, about {eta:.0f}s left")
            if done == total:
                sys.stderr.write("\n")

        try:
            result = control_import(
                map=map_,
                snapshots=snapshots,
                actor=actors["--actor"],
                else_actor=actors.get("--else"),
                status=status,
                source_title=source_title,
                source_url=source_url,
                publish=publish,
                by=user,
                dry_run=dry_run,
                progress=progress,
            )
        except ValidationError as exc:
            raise CommandError(f"refused, nothing recorded: {'; '.join(exc.messages)}") from None
        self.stdout.write(
            f"{'dry run, nothing recorded: ' if dry_run else ''}{result.dates} dates, {result.changes} changes"
            f" ({'published' if publish else 'drafts'}), {result.skipped} dates already recorded,"
            f" {result.parts_made} parts made, {result.merged} merged back, zones {result.zones_before} ->"
            f" {result.zones_after}, {result.seconds:.1f}s"
        )
        for slug, km2 in result.km2_last.items():
            self.stdout.write(f"  {slug}: {km2:.3f} km² on {snapshots[-1].on}")
