"""Importing places from the admin in Chromium: upload a file, read the dry-run report, confirm."""

import geopandas as gpd
import pytest
import shapely
from django.contrib.auth.models import Permission, User

from gazetteer.models import Place

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_an_editor_imports_a_file_from_the_admin(page, live_server, tmp_path):
    user = User.objects.create_user("importer", password="a long test password", is_staff=True)
    for codename in ("add_place", "view_place", "change_place"):
        user.user_permissions.add(Permission.objects.get(codename=codename, content_type__app_label="gazetteer"))
    path = tmp_path / "districts.geojson"
    rows = [
        {"name": "al-Joura", "name_ar": "الجورة", "geometry": shapely.box(40.10, 35.33, 40.11, 35.34)},
        {"name": "Airport road", "name_ar": None, "geometry": shapely.LineString([(40.1, 35.3), (40.2, 35.3)])},
    ]
    gpd.GeoDataFrame(rows, geometry="geometry", crs="EPSG:4326").to_file(path, driver="GeoJSON")

    page.goto(f"{live_server.url}/admin/login/?next=/admin/gazetteer/place/")
    page.fill("#id_username", "importer")
    page.fill("#id_password", "a long test password")
    page.click("input[type=submit]")
    page.click("text=Import from a file")
    page.set_input_files("input[name=file]", str(path))
    page.select_option("select[name=kind]", "district")
    page.click("input[name=check]")

    assert page.locator("[data-import-summary]").inner_text() == (
        "Would import districts.geojson: created 1, merged 0, repaired 0, skipped 1"
    )
    report = page.locator("[data-import-report]").inner_text()
    assert "created al-joura: al-Joura / الجورة" in report
    assert 'skipped feature 2 "Airport road": a LineString is not a place: expected a point or a polygon' in report
    assert "dry run: nothing was written" in report
    assert not Place.objects.exists()

    page.click("input[name=confirm]")
    assert page.locator("[data-import-summary]").inner_text().startswith("Imported districts.geojson: created 1")
    assert "Imported districts.geojson" in page.locator(".messagelist").inner_text()
    joura = Place.objects.get(slug="al-joura")
    assert (joura.name_ar, joura.kind, joura.footprint_approximate) == ("الجورة", "district", False)
    assert not page.js_errors
