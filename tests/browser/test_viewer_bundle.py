"""The viewer as one bundle (mapapp/jsbundle.py: esbuild at collectstatic under `make run`): the map page and the
embed, their entry module answered with the bundle of it and its imports, paint, step and load the events layer
(imported dynamically, inside the bundle) with no request for any other of the viewer's modules."""

from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command

from mapapp.jsbundle import bundle

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

STATIC = Path(__file__).resolve().parent.parent.parent / "static"
DATA = Path(__file__).resolve().parent.parent / "data" / "events"


@pytest.fixture
def demo_events(demo):
    call_command("import_events", str(DATA / "plain-deir-ez-zor.csv"), "--map", demo.slug, stdout=StringIO())
    return demo


def _serve_bundle(page, entry):
    text = bundle(STATIC / entry)
    page.route(f"**/static/{entry}", lambda route: route.fulfill(body=text, content_type="text/javascript"))
    modules = []
    page.on("request", lambda request: modules.append(request.url) if "/static/js/" in request.url else None)
    return modules


def test_the_map_page_runs_from_the_bundle(page, live_server, demo_events):
    modules = _serve_bundle(page, "js/map-page.js")
    page.goto(f"{live_server.url}/maps/deir-ez-zor/?date=2014-07-13")
    page.wait_for_selector("[data-viewer][data-ready=true]")
    page.focus("[data-control=slider]")
    page.keyboard.press("PageUp")
    page.wait_for_function("document.querySelector('[data-viewer]').dataset.date > '2014-07-13'")
    assert page.evaluate("window.frontlineViewer.events !== null")  # events.js, imported by the bundle
    scripts = {url.split("/static/")[1].split("?")[0] for url in modules}
    # share.js is the page's own classic script; viewer.js the page's modulepreload outside `make run` (none of
    # its imports follow it); events.js, import()ed, is inside the bundle.
    assert scripts == {"js/map-page.js", "js/share.js", "js/viewer/viewer.js"}, scripts
    assert page.js_errors == []


def test_the_embed_runs_from_the_bundle(page, live_server, demo):
    modules = _serve_bundle(page, "js/embed.js")
    page.goto(f"{live_server.url}/embed/deir-ez-zor/?date=2016-06-01")
    page.wait_for_selector("[data-ready=true]")
    scripts = {url.split("/static/")[1].split("?")[0] for url in modules}
    # Outside `make run` the page still preloads the modules as written: those requests are not imports.
    assert "js/embed.js" in scripts
    assert page.locator(".leaflet-overlay-pane path, .leaflet-overlay-pane canvas").count() > 0
    assert page.js_errors == []
