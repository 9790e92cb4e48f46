"""Wipe the record (maps, changes, sieges, sources, actors, places) for `load_demo --reset`."""

from gazetteer.models import Place
from mapapp.models import Actor, ControlChange, ControlPeriod, Map, Siege, Source


def delete_record() -> None:
    ControlPeriod.objects.all().delete()
    ControlChange.objects.all().delete()
    Siege.objects.all().delete()
    Map.objects.all().delete()
    Source.objects.all().delete()
    Actor.objects.all().delete()
    # children before parents: Place.parent is PROTECT
    while Place.objects.exists():
        Place.objects.filter(children__isnull=True).delete()
