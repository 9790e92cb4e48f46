"""Importing a file from the admin: upload, see the dry-run report, confirm."""

import geopandas as gpd
import pytest
import shapely
from django.contrib.auth.models import Permission, User
from django.core.files.uploadedfile import SimpleUploadedFile

from gazetteer.models import Place

IMPORT = "/admin/gazetteer/place/import/"


def staff(username, *perms):
    user = User.objects.create_user(username, password="x", is_staff=True)
    for codename in perms:
        user.user_permissions.add(Permission.objects.get(codename=codename, content_type__app_label="gazetteer"))
    return user


@pytest.fixture
def editor(client, db):
    client.force_login(staff("editor", "add_place", "view_place", "change_place"))
    return client


def geojson_upload(tmp_path, rows, name="districts.geojson"):
    path = tmp_path / name
    gpd.GeoDataFrame(rows, geometry="geometry", crs="EPSG:4326").to_file(path, driver="GeoJSON")
    return SimpleUploadedFile(name, path.read_bytes(), content_type="application/geo+json")


def test_upload_shows_a_dry_run_then_confirm_imports(editor, tmp_path):
    upload = geojson_upload(
        tmp_path,
        [
            {"name": "al-Joura", "name_ar": "الجورة", "geometry": shapely.box(40.10, 35.33, 40.11, 35.34)},
            {"name": "Nowhere", "name_ar": None, "geometry": None},
        ],
    )
    response = editor.post(IMPORT, {"file": upload, "kind": "district"})
    assert response.status_code == 200
    assert response.context["lines"] == [
        "read 2 features from districts.geojson (layer 'districts', EPSG:4326)",
        "created al-joura: al-Joura / الجورة",
        'skipped feature 2 "Nowhere": no geometry',
        "created 1, merged 0, repaired 0, skipped 1",
        "dry run: nothing was written",
    ]
    assert "Would import districts.geojson: created 1, merged 0, repaired 0, skipped 1" in response.content.decode()
    assert not Place.objects.exists()
    token = response.context["token"]
    response = editor.post(IMPORT, {"confirm": "1", "token": token})
    assert response.status_code == 200
    assert response.context["confirmed"] and response.context["report"].summary.startswith("created 1")
    joura = Place.objects.get(slug="al-joura")
    assert (joura.kind, joura.name_ar, joura.footprint_approximate) == ("district", "الجورة", False)
    # The same upload cannot be imported twice.
    response = editor.post(IMPORT, {"confirm": "1", "token": token}, follow=True)
    assert "no longer here" in response.content.decode()
    assert Place.objects.count() == 1


def test_a_broken_file_is_refused_with_its_line(editor, tmp_path):
    upload = SimpleUploadedFile("broken.geojson", b'{"type": "FeatureCollection", "features": [}')
    response = editor.post(IMPORT, {"file": upload})
    assert response.status_code == 200
    assert response.context["form"].errors["file"] == [
        "broken.geojson: not valid JSON: Expecting value at line 1 column 44"
    ]
    assert not Place.objects.exists()


def test_a_file_of_the_wrong_type_is_refused(editor):
    response = editor.post(IMPORT, {"file": SimpleUploadedFile("notes.txt", b"Jura")})
    assert response.context["form"].errors["file"][0].startswith("not a file type this imports")


def test_only_staff_with_the_add_permission_may_import(client, db, tmp_path):
    assert client.get(IMPORT).status_code == 302  # to the login page
    client.force_login(staff("viewer", "view_place"))
    assert client.get(IMPORT).status_code == 403
    upload = geojson_upload(tmp_path, [{"name": "Jura", "geometry": shapely.box(40.1, 35.3, 40.2, 35.4)}])
    assert client.post(IMPORT, {"file": upload}).status_code == 403
    assert not Place.objects.exists()


def test_the_place_list_links_to_the_import(editor, db):
    assert IMPORT in editor.get("/admin/gazetteer/place/").content.decode()


# --- Pending uploads do not pile up, and no message shows where they sit (issue 14) -----------------------------


def _pending(token: str):
    from django.conf import settings

    return settings.BASE_DIR / "var" / "imports" / token


def test_confirm_and_cancel_delete_the_upload_at_once(editor, tmp_path):
    rows = [{"name": "Jura", "geometry": shapely.box(40.1, 35.3, 40.2, 35.4)}]
    token = editor.post(IMPORT, {"file": geojson_upload(tmp_path, rows), "kind": "district"}).context["token"]
    assert (_pending(token) / "districts.geojson").is_file()
    cancelled = editor.post(IMPORT, {"cancel": "1", "token": token}, follow=True)
    assert "Import cancelled; the uploaded file was deleted." in cancelled.content.decode()
    assert not _pending(token).exists()
    late = editor.post(IMPORT, {"confirm": "1", "token": token}, follow=True)
    assert "no longer here" in late.content.decode() and not Place.objects.exists()

    token = editor.post(IMPORT, {"file": geojson_upload(tmp_path, rows), "kind": "district"}).context["token"]
    assert editor.post(IMPORT, {"confirm": "1", "token": token}).context["confirmed"]
    assert not _pending(token).exists() and Place.objects.count() == 1


def test_an_upload_left_unconfirmed_for_an_hour_is_removed(editor, tmp_path):
    import os
    import time

    rows = [{"name": "Jura", "geometry": shapely.box(40.1, 35.3, 40.2, 35.4)}]
    old = editor.post(IMPORT, {"file": geojson_upload(tmp_path, rows)}).context["token"]
    recent = editor.post(IMPORT, {"file": geojson_upload(tmp_path, rows)}).context["token"]
    an_hour_ago = time.time() - 3601
    os.utime(_pending(old), (an_hour_ago, an_hour_ago))
    os.utime(_pending(recent), (an_hour_ago + 120, an_hour_ago + 120))
    assert editor.get(IMPORT).status_code == 200
    assert not _pending(old).exists()
    assert _pending(recent).exists()
    editor.post(IMPORT, {"cancel": "1", "token": recent})


def test_a_file_gdal_cannot_read_is_refused_without_the_server_path(editor):
    from django.conf import settings

    upload = SimpleUploadedFile("survey.gpkg", b"SQLite format 3\x00 but not a GeoPackage at all")
    response = editor.post(IMPORT, {"file": upload})
    [error] = response.context["form"].errors["file"]
    assert error.startswith("survey.gpkg: cannot be read ('survey.gpkg' not recognized")
    page = response.content.decode()
    assert str(settings.BASE_DIR) not in page and "var/imports" not in page
