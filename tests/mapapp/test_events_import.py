"""Importing events: ACLED's, UCDP GED's and the plain CSV's real columns (tests/data/events/), re-import by
external id, rows outside the map skipped with their reason, bad rows reported by line with nothing written."""

import datetime as dt
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from mapapp.events.models import Event, EventState
from mapapp.models import Map, Source
from mapapp.services import events_import_text

DATA = Path(__file__).resolve().parent.parent / "data" / "events"
D = dt.date.fromisoformat


def run(*args) -> tuple[str, str]:
    out, err = StringIO(), StringIO()
    call_command("import_events", *map(str, args), stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def events(map_):
    return {event.external_id: event for event in Event.objects.filter(map=map_).prefetch_related("sources", "actors")}


def test_acled_export_imports_with_its_columns(demo):
    out, _err = run(DATA / "acled-deir-ez-zor.csv", "--map", demo.slug, "--format", "acled")
    assert "5 new, 0 updated, 0 unchanged, 2 skipped" in out
    assert "line 8: skipped: 2018-01-05 is outside the map's dates 2014-01-01..2017-12-31" in out
    assert "line 9: skipped: the point 37.13430, 36.20210 is outside the map's area" in out
    imported = events(demo)
    assert sorted(imported) == ["SYR20101", "SYR20102", "SYR20103", "SYR20104", "SYR20105"]
    clash = imported["SYR20101"]
    assert (clash.date, clash.event_type, clash.sub_event_type) == (D("2017-06-10"), "Battles", "Armed clash")
    assert (clash.actor1, clash.actor2) == ("Military Forces of Syria (2000-)", "Islamic State (Iraq and the Levant)")
    assert (clash.location.x, clash.location.y) == (40.0599, 35.2743)
    assert (clash.fatalities_best, clash.fatalities_low, clash.fatalities_high) == (4, 4, 4)
    assert clash.location_name == "Deir-ez-Zor - Panorama"
    assert clash.admin_area == "Deir-ez-Zor / Deir-ez-Zor / Deir-ez-Zor"
    assert sorted(source.title for source in clash.sources.all()) == ["SANA", "Syrian Observatory for Human Rights"]
    assert clash.review_state == EventState.PUBLISHED and clash.origin == "acled"
    # The export tool's "12 June 2017"; geo_precision 2; a note over two lines kept whole.
    strike = imported["SYR20102"]
    assert strike.date == D("2017-06-12") and strike.geo_precision == "near"
    assert strike.notes.endswith("<b>unconfirmed</b>.\nA second strike followed at night.")
    assert imported["SYR20103"].date_precision == "week"
    # Free-text actors naming one of the map's sides exactly are linked to it.
    assert [actor.slug for actor in imported["SYR20105"].actors.all()] == ["sdf"]
    assert list(imported["SYR20101"].actors.all()) == []
    # One source per publisher, however many events cite it.
    assert Source.objects.filter(title="Syrian Observatory for Human Rights").count() == 1


def test_reimport_updates_by_external_id_and_adds_no_duplicates(demo):
    run(DATA / "acled-deir-ez-zor.csv", "--map", demo.slug)
    first_ids = {key: event.pk for key, event in events(demo).items()}
    version = Map.objects.get(pk=demo.pk).data_version

    out, _err = run(DATA / "acled-deir-ez-zor.csv", "--map", demo.slug)
    assert "0 new, 0 updated, 5 unchanged, 2 skipped" in out
    assert Map.objects.get(pk=demo.pk).data_version == version  # nothing changed: caches stay good

    out, _err = run(DATA / "acled-deir-ez-zor-revised.csv", "--map", demo.slug)
    assert "1 new, 1 updated, 4 unchanged, 0 skipped" in out
    after = events(demo)
    assert len(after) == 6 and Event.objects.filter(map=demo).count() == 6
    assert {key: after[key].pk for key in first_ids} == first_ids  # the same rows, updated in place
    assert after["SYR20101"].fatalities_best == 6 and "6 regime soldiers" in after["SYR20101"].notes
    assert Map.objects.get(pk=demo.pk).data_version > version


def test_ucdp_ged_imports_with_its_columns(demo):
    out, _err = run(DATA / "ucdp-ged-deir-ez-zor.csv", "--map", demo.slug)  # format guessed from the header
    assert "(ucdp): 3 new" in out and "1 skipped" in out
    assert "line 5: skipped: 2013-05-02 is outside the map's dates" in out
    imported = events(demo)
    battle = imported["301201"]
    assert battle.event_type == "State-based violence" and battle.origin == "ucdp"
    assert (battle.actor1, battle.actor2) == ("Government of Syria", "IS")
    assert (battle.fatalities_best, battle.fatalities_low, battle.fatalities_high) == (5, 5, 8)
    assert battle.date == D("2017-06-11") and battle.date_end is None and battle.date_precision == "day"
    (source,) = battle.sources.all()
    assert source.title == "Syrian army advances near Deir ez-Zor" and source.publisher == "UCDP GED"
    assert "Reuters,2017-06-11" in source.quote
    shelling = imported["301202"]
    assert (shelling.date, shelling.date_end, shelling.date_precision) == (D("2017-06-12"), D("2017-06-14"), "week")
    assert shelling.event_type == "One-sided violence" and shelling.geo_precision == "near"
    month = imported["301203"]
    assert (month.date_precision, month.geo_precision) == ("month", "province")
    assert month.admin_area == "Dayr az Zawr governorate / Dayr az Zawr district"


def test_plain_csv_imports_with_named_columns(demo):
    out, _err = run(DATA / "plain-deir-ez-zor.csv", "--map", demo.slug, "--format", "csv")
    assert "3 new, 0 updated, 0 unchanged, 0 skipped" in out
    imported = events(demo)
    drop = imported["dz-1"]
    assert [actor.slug for actor in drop.actors.all()] == ["government"]
    (source,) = drop.sources.all()
    assert (source.title, source.url) == ("WFP airdrop report", "https://example.org/wfp-airdrops-2017-06")
    assert drop.notes == "إسقاط مساعدات جوية فوق الأحياء المحاصرة"
    shelling = imported["dz-2"]
    assert (shelling.fatalities_best, shelling.fatalities_low, shelling.fatalities_high) == (3, 2, 5)
    assert [actor.slug for actor in shelling.actors.all()] == ["isis"]  # actor1 is the ISIS actor's English name
    assert sorted(source.title for source in shelling.sources.all()) == ["Deir Ezzor 24", "Local council statement"]
    assert sorted(actor.slug for actor in imported["dz-3"].actors.all()) == ["isis", "rebels"]
    assert imported["dz-3"].fatalities_best is None


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        (
            "acled-bad-rows.csv",
            [
                "line 3: event_date '31 June 2017' is not a date (YYYY-MM-DD or '15 June 2017')",
                "line 5: latitude 'abc' is not a number",
                "line 6: fatalities '-3' is not a whole number of people (0 or more)",
            ],
        ),
        (
            "ucdp-bad-rows.csv",
            [
                "line 2: low estimate 9 is above the best estimate 5",
                "line 3: date_end 2017-06-01 is before date_start 2017-06-12",
                "line 4: where_prec '9' is not one of 1, 2, 3, 4, 5, 6, 7",
            ],
        ),
        (
            "plain-bad-rows.csv",
            [
                "line 2: actors: not actors of this map: wagner",
                "line 3: id 'dz-1' is also on line 2",
                "line 4: geo_precision 'somewhere' is not one of exact, near, district, province, country",
            ],
        ),
    ],
)
def test_bad_rows_are_reported_by_line_and_nothing_is_written(demo, name, expected):
    sources_before = Source.objects.count()
    version = Map.objects.get(pk=demo.pk).data_version
    err = StringIO()
    with pytest.raises(CommandError, match=r"imported nothing: 3 bad row\(s\)"):
        call_command("import_events", str(DATA / name), "--map", demo.slug, stdout=StringIO(), stderr=err)
    assert err.getvalue().splitlines() == expected
    assert Event.objects.count() == 0
    assert Source.objects.count() == sources_before  # not even the sources of the good rows
    assert Map.objects.get(pk=demo.pk).data_version == version


def test_dry_run_counts_and_writes_nothing(demo):
    sources_before = Source.objects.count()
    out, _err = run(DATA / "acled-deir-ez-zor.csv", "--map", demo.slug, "--dry-run")
    assert "would import 7 row(s) (acled): 5 new, 0 updated, 0 unchanged, 2 skipped" in out
    assert Event.objects.count() == 0 and Source.objects.count() == sources_before


def test_draft_import_is_not_published(demo):
    run(DATA / "plain-deir-ez-zor.csv", "--map", demo.slug, "--draft")
    assert set(Event.objects.values_list("review_state", flat=True)) == {EventState.DRAFT}


@pytest.mark.parametrize(
    ("text", "fmt", "message"),
    [
        ("", None, "the file is empty: no header line"),
        (
            "id,date,latitude\n1,2017-06-01,35\n",
            "csv",
            "line 1: the csv format needs the column(s) event_type, longitude",
        ),
        ("event_id_cnty,event_date\nX,2017-06-01\n", None, "line 1: the acled format needs the column(s) event_type"),
        ("a\x00b\n", None, "the file holds NUL characters: not a CSV text file"),
    ],
)
def test_unreadable_files_are_refused_whole(demo, text, fmt, message):
    report = events_import_text(map=demo, text=text, format=fmt)
    assert report.errors[0][1].startswith(message)
    assert Event.objects.count() == 0


def test_extra_cells_and_empty_fields_are_row_errors(demo):
    text = (
        "id,date,event_type,latitude,longitude\n"
        "a,2017-06-01,Battle,35.33,40.11,surplus\n"
        "b,,Battle,35.33,40.11\n"
        "c,2017-06-01,,35.33,\n"
    )
    report = events_import_text(map=demo, text=text, format="csv")
    assert report.errors == [
        (2, "6 cells for 5 columns"),
        (3, "date is empty"),
        (4, "event_type is empty; longitude is empty"),
    ]


def test_unknown_map_and_missing_file(demo, tmp_path):
    with pytest.raises(CommandError, match="no map 'nowhere'"):
        run(DATA / "plain-deir-ez-zor.csv", "--map", "nowhere")
    with pytest.raises(CommandError, match="no file"):
        run(tmp_path / "missing.csv", "--map", demo.slug)
    latin1 = tmp_path / "latin1.csv"
    latin1.write_bytes("id,date,event_type,latitude,longitude\nx,2017-06-01,Bataille à,35.33,40.11\n".encode("latin-1"))
    with pytest.raises(CommandError, match="is not UTF-8 text"):
        run(latin1, "--map", demo.slug)
