from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from gazetteer.importer import ImportFileError, ImportOptions, places_import


class Command(BaseCommand):
    help = (
        "Import places from a GIS file (GeoJSON, Shapefile or zipped Shapefile, KML/KMZ, GeoPackage, CSV with WKT "
        "or lat/lon columns): create new places, merge spellings into the places they name, report every feature."
    )

    def add_arguments(self, parser):
        parser.add_argument("path")
        parser.add_argument("--layer", help="the layer to read (GeoPackage and KML files with several)")
        parser.add_argument("--name-field", help="the field with the name (default: name_en, name, NAME ...)")
        parser.add_argument("--name-ar-field", help="the field with the Arabic name (default: name_ar, name:ar ...)")
        parser.add_argument("--variants-field", help="the field with other spellings (list, or ; separated)")
        parser.add_argument("--kind", help="the kind of every place (default: the file's kind/placetype field)")
        parser.add_argument("--parent", help="slug of the place that holds them (points get Voronoi cells in it)")
        parser.add_argument("--srid", type=int, help="EPSG code of the coordinates, if the file lacks or misstates it")
        parser.add_argument("--dry-run", action="store_true", help="report what would happen; write nothing")
        parser.add_argument(
            "--max-size",
            type=int,
            metavar="MB",
            help="the largest file to read, in MB (default IMPORT_MAX_MB); a larger file stops before reading",
        )

    def handle(self, *args, **options):
        limit = options["max_size"] or settings.IMPORT_MAX_MB
        path = Path(options["path"])
        if path.is_file() and path.stat().st_size > limit * 1024 * 1024:
            size = path.stat().st_size / (1024 * 1024)
            raise CommandError(
                f"{path.name} is {size:.0f} MB, more than the {limit} MB limit (IMPORT_MAX_MB); reading it takes "
                f"about 20 times its size in memory. To import it anyway: --max-size {int(size) + 1}"
            )
        import_options = ImportOptions(
            layer=options["layer"],
            name_field=options["name_field"],
            name_ar_field=options["name_ar_field"],
            variants_field=options["variants_field"],
            kind=options["kind"],
            parent=options["parent"],
            srid=options["srid"],
            dry_run=options["dry_run"],
        )
        try:
            report = places_import(path=options["path"], options=import_options, progress=options["verbosity"] > 0)
        except ImportFileError as exc:
            raise CommandError(str(exc)) from None
        for line in report.lines(list_created=options["verbosity"] > 1):
            self.stdout.write(line)
