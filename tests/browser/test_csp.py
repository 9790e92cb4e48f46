"""The Content-Security-Policy in Chromium: the admin's pages (change list, a place's form with its map widget, the
mark page, the review queue, the history pages, a map's form), the public map and the embed all work under it, and
the browser reports no violation. Before: no page sent a policy, so an injected inline script would have run.

A violation is caught twice: the page's `securitypolicyviolation` events (recorded by a script the browser runs
before the page's own, which the policy does not govern) and Chromium's console message."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.contrib.auth.models import User
from playwright.sync_api import expect

from gazetteer.models import Place
from mapapp import services
from mapapp.models import Actor, Map
from tests.browser.test_editor_workflow import DATE, log_in, wait_for_zones
from tests.conftest import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.csp]

RECORD_VIOLATIONS = """
window.__csp = [];
document.addEventListener("securitypolicyviolation", (e) => {
  window.__csp.push(e.violatedDirective + " " + (e.blockedURI || "inline") + " " + (e.sample || ""));
});
"""


def watch(page) -> list[str]:
    """Record CSP violations of every page this tab opens; returns the list the console messages land in."""
    page.add_init_script(RECORD_VIOLATIONS)
    console: list[str] = []
    page.on("console", lambda m: console.append(m.text) if "Content Security Policy" in m.text else None)
    return console


def policy(response) -> dict[str, str]:
    header = response.headers["content-security-policy"]
    return dict((part.strip().split(" ", 1) + [""])[:2] for part in header.split(";") if part.strip())


def assert_clean(page, console: list[str], response) -> None:
    directives = policy(response)
    assert "'unsafe-inline'" not in directives["script-src"] and "'unsafe-eval'" not in directives["script-src"]
    assert directives["object-src"] == "'none'" and directives["base-uri"] == "'none'"
    page.wait_for_timeout(300)  # a violation event is dispatched asynchronously
    assert page.evaluate("window.__csp") == [], page.url
    assert console == [], page.url
    assert page.js_errors == [], page.url


def test_the_admin_and_the_public_pages_work_under_the_policy(live_server, browser, page, demo, people):
    base = live_server.url
    User.objects.create_superuser("sue", password=PASSWORD)
    draft = services.control_change_record(
        on=dt.date.fromisoformat(DATE),
        places=[Place.objects.get(slug="al-joura")],
        actor=Actor.objects.get(slug="isis"),
        status="contested",
        sources=[services.source_create(title="A report", publisher="Example Wire")],
        by=people.editor,
    )
    place = Place.objects.get(slug="al-joura")
    map_ = Map.objects.get(slug="deir-ez-zor")
    console = watch(page)

    log_in(page, base, "sue", "/admin/")
    # --- the change list and its filters ----------------------------------------------------------------
    response = page.goto(f"{base}/admin/mapapp/controlchange/")
    expect(page.locator("#result_list")).to_be_visible()
    assert_clean(page, console, response)
    assert policy(response)["frame-ancestors"] == "'none'"

    # --- a place's form: the map widget draws the footprint and offers its drawing tools -----------------------
    response = page.goto(f"{base}/admin/gazetteer/place/{place.pk}/change/")
    widget = page.locator("#id_footprint-map")
    expect(widget).to_have_class(re.compile("leaflet-container"))
    expect(widget.locator("path.leaflet-interactive").first).to_be_visible()
    expect(widget.locator(".leaflet-draw-draw-polygon")).to_be_visible()
    assert_clean(page, console, response)

    # --- a map's form (its own widget) and the place's history page (simple-history's template) --------------
    response = page.goto(f"{base}/admin/mapapp/map/{map_.pk}/change/")
    expect(page.locator(".leaflet-container").first).to_be_visible()
    assert_clean(page, console, response)
    response = page.goto(f"{base}/admin/gazetteer/place/{place.pk}/history/")
    expect(page.locator("#change-history")).to_be_visible()
    assert_clean(page, console, response)

    # --- the mark page: zones drawn, one selected by a click, the preview shown ---------------------------------
    response = page.goto(f"{base}/admin/mapapp/controlchange/mark/")
    page.wait_for_selector("body[data-ready=true]")
    page.fill("#id_date", DATE)
    page.dispatch_event("#id_date", "change")
    wait_for_zones(page, DATE)
    page.locator("#place-list li[data-place=harabesh]").click()
    expect(page.locator("body")).to_have_attribute("data-preview-for", "harabesh")
    assert_clean(page, console, response)

    # --- the review queue: the draft's card with its map; the draft's history ---------------------------------
    response = page.goto(f"{base}/admin/mapapp/controlchange/review/")
    card = page.locator(f"#change-{draft.pk}")
    expect(card).to_have_attribute("data-map-ready", "true")
    assert_clean(page, console, response)
    response = page.goto(f"{base}/admin/mapapp/controlchange/{draft.pk}/history/")
    expect(page.locator("#change-history")).to_be_visible()
    assert_clean(page, console, response)

    # --- the public map: zones drawn, the legend's colours (no style attribute) -------------------------------
    response = page.goto(f"{base}/maps/deir-ez-zor/?date={DATE}")
    page.wait_for_selector("[data-viewer][data-ready=true]", timeout=15000)
    expect(page.locator("path.zone").first).to_be_attached()
    isis = page.locator('.legend li[data-actor="isis"] .swatch')
    assert (
        isis.evaluate("e => getComputedStyle(e).getPropertyValue('--swatch').trim()")
        == Actor.objects.get(slug="isis").color
    )
    assert_clean(page, console, response)

    # --- the embed: framed by any site by default, drawn, the slider moves the day ---------------------------
    response = page.goto(f"{base}/embed/deir-ez-zor/?date={DATE}")
    page.wait_for_selector("[data-embed][data-ready=true]", timeout=15000)
    expect(page.locator("path.zone").first).to_be_attached()
    assert policy(response)["frame-ancestors"] == "*"
    assert_clean(page, console, response)


def test_an_inline_script_is_refused(live_server, page, demo):
    """The policy is enforced, not decorative: a script written into the page (as a stored name would be, were
    it ever inserted as HTML) does not run, and the browser reports it."""
    watch(page)
    page.goto(f"{live_server.url}/maps/deir-ez-zor/")
    page.wait_for_selector("[data-viewer][data-ready=true]", timeout=15000)
    page.evaluate("""() => {
      const holder = document.createElement("div");
      holder.innerHTML = '<img src="x" onerror="window.__ran = 1">';
      document.body.append(holder);
    }""")
    # The image's load fails, its handler is refused and the violation reported: looked for from here (a polling
    # wait_for_function would evaluate a string, which the policy forbids), up to 10 s.
    for _ in range(200):
        if page.evaluate("window.__csp.length"):
            break
        page.wait_for_timeout(50)
    assert page.evaluate("typeof window.__ran") == "undefined"
    assert any(v.startswith("script-src") for v in page.evaluate("window.__csp"))
