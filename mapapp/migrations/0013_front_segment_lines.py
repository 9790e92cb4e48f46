"""Front segments carry their edge's line, and a GiST index on their date range (PostgreSQL only): fronts on a date
are then one index range lookup of the segments in effect (`daterange(valid_from, valid_to, '[)') @> D`), with no
join to the map's edges. The lines of segments derived before are copied from their edges here.
"""

import django.contrib.gis.db.models.fields
from django.contrib.gis.geos import GEOSGeometry
from django.db import migrations

INDEX = "mapapp_frontsegment_range_gist"


def copy_lines(apps, schema_editor):
    schema_editor.execute(
        "UPDATE mapapp_frontsegment SET geom = "
        "(SELECT edge.geom FROM mapapp_zoneedge edge WHERE edge.id = mapapp_frontsegment.edge_id)"
    )


def create_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(
            f"CREATE INDEX IF NOT EXISTS {INDEX} ON mapapp_frontsegment "
            "USING gist (daterange(valid_from, valid_to, '[)'))"
        )


def drop_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"DROP INDEX IF EXISTS {INDEX}")


class Migration(migrations.Migration):
    dependencies = [("mapapp", "0012_derived_fronts_pockets")]

    operations = [
        # Not null from the start (SpatiaLite cannot alter a geometry column's nullability): the rows there are
        # given an empty line for a moment, and every one their edge's line just after (each has an edge).
        migrations.AddField(
            model_name="frontsegment",
            name="geom",
            field=django.contrib.gis.db.models.fields.MultiLineStringField(
                srid=4326, spatial_index=False, default=GEOSGeometry("SRID=4326;MULTILINESTRING EMPTY")
            ),
            preserve_default=False,
        ),
        migrations.RunPython(copy_lines, migrations.RunPython.noop, elidable=False),
        migrations.RunPython(create_index, drop_index, elidable=False),
    ]
