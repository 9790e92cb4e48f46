"""Recompute PlaceName.search_key with the full Arabic/Latin normalisation of gazetteer.normalize.

Later changes to the normalisation re-key with `manage.py rekey_places` (or another migration like this one).
"""

from django.db import migrations


def rekey(apps, schema_editor):
    from gazetteer.normalize import search_key

    PlaceName = apps.get_model("gazetteer", "PlaceName")
    changed = []
    for name in PlaceName.objects.only("id", "name", "search_key").iterator(chunk_size=2000):
        key = search_key(name.name)
        if key != name.search_key:
            name.search_key = key
            changed.append(name)
    PlaceName.objects.bulk_update(changed, ["search_key"], batch_size=2000)


class Migration(migrations.Migration):
    dependencies = [("gazetteer", "0001_initial")]

    operations = [migrations.RunPython(rekey, migrations.RunPython.noop)]
