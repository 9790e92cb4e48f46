"""The embed in Chromium, framed by pages of other origins (issue #7).

The map is served by the live server at http://localhost:<port>. Host pages come from small HTTP servers on
127.0.0.2 and 127.0.0.3 (loopback addresses, so other origins than localhost): what a news site would be.
"""

import datetime as dt
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from mapapp import services

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

EMBED_READY = "[data-embed][data-ready=true]"


class HostSite:
    """A tiny web server for host pages: serve(path, html), then open url + path."""

    def __init__(self, host: str):
        pages = self.pages = {}

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):
                body = pages.get(self.path.split("?")[0])
                if body is None:
                    self.send_error(404)
                    return
                data = body.encode()
                self.send_response(200)
                self.send_header("Content-Type", "text/html; charset=utf-8")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer((host, 0), Handler)
        self.url = f"http://{host}:{self.server.server_address[1]}"
        # shutdown() waits for the loop to look at its flag, every poll_interval (0.5 s by default: up to half a
        # second at the end of each test that had a host page)
        self.thread = threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True)
        self.thread.start()

    def serve(self, path: str, html: str) -> str:
        self.pages[path] = html
        return self.url + path

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def news_site():
    site = HostSite("127.0.0.2")
    yield site
    site.close()


@pytest.fixture
def other_site():
    site = HostSite("127.0.0.3")
    yield site
    site.close()


def article(iframe: str, extra: str = "") -> str:
    return f"""<!DOCTYPE html><html><head><meta charset="utf-8"><title>A story</title>
<script>window.atlasMessages = [];
window.addEventListener("message", (e) => window.atlasMessages.push(e.data));</script></head>
<body style="margin:0;font-family:serif"><h1>Our story</h1><p>Some text before the map.</p>
{iframe}{extra}<p>Some text after the map.</p></body></html>"""


def embed_frame(page):
    page.wait_for_function("document.querySelector('iframe') && document.querySelector('iframe').contentWindow")
    frame = page.frame_locator("iframe").first
    frame.locator(EMBED_READY).wait_for(timeout=15000)
    return frame


def zone_fill(frame, slug):
    return frame.locator(f'path.zone[data-zone="{slug}"]').get_attribute("fill")


def test_a_news_page_on_another_origin_frames_the_embed_which_paints_and_scrubs(page, live_server, demo, news_site):
    src = f"{live_server.url}/embed/deir-ez-zor/?date=2014-07-13&lang=en"
    url = news_site.serve(
        "/story.html", article(f'<iframe src="{src}" width="600" height="400" style="border:0"></iframe>')
    )
    page.goto(url)
    frame = embed_frame(page)
    assert frame.locator("path.zone").count() == 34
    assert zone_fill(frame, "al-joura") == "#c62828"  # government
    assert zone_fill(frame, "al-hweiqa") == "#2e7d32"  # rebels, the day before ISIS took their districts
    assert frame.locator("[data-control=date-label]").inner_text() == "13 July 2014"
    box = page.locator("iframe").bounding_box()
    assert (box["width"], box["height"]) == (600, 400)

    slider = frame.locator("[data-control=slider]")
    slider.focus()
    slider.press("ArrowRight")
    assert frame.locator("[data-embed]").get_attribute("data-date") == "2014-07-14"
    assert zone_fill(frame, "al-hweiqa") == "#3b3b3b"  # ISIS
    assert frame.locator("[data-control=date-label]").inner_text() == "14 July 2014"
    # The link to the full map follows the slider.
    assert "date=2014-07-14" in frame.locator(".embed-full").get_attribute("href")
    # The host page heard about it, in the documented format.
    messages = page.evaluate("window.atlasMessages")
    assert {"type": "frontline-atlas:date", "version": 1, "slug": "deir-ez-zor", "date": "2014-07-14"} in messages
    ready = [m for m in messages if m["type"] == "frontline-atlas:ready"]
    assert ready == [{"type": "frontline-atlas:ready", "version": 1, "slug": "deir-ez-zor", "date": "2014-07-13"}]
    heights = [m["height"] for m in messages if m["type"] == "frontline-atlas:resize"]
    assert heights and heights[-1] == 400
    assert page.js_errors == []


def test_the_map_refuses_to_be_framed_by_an_origin_it_does_not_allow(page, live_server, world, news_site, other_site):
    world.actor("gov", "#c62828")
    world.place("zone", size=0.1)
    world.change("2015-01-01", ["zone"], "gov")
    services.map_create(
        slug="partners-only",
        title_en="Partners only",
        start=dt.date(2015, 1, 1),
        end=dt.date(2015, 12, 31),
        default_date=dt.date(2015, 6, 1),
        actors=list(world.actors.values()),
        zones=list(world.places.values()),
        frame_ancestors=news_site.url,
    )
    src = f"{live_server.url}/embed/partners-only/"
    iframe = f'<iframe src="{src}" width="600" height="400" style="border:0"></iframe>'

    # The partner's page shows it...
    page.goto(news_site.serve("/story.html", article(iframe)))
    frame = embed_frame(page)
    assert zone_fill(frame, "zone") == "#c62828"

    # ...another site's page gets an empty frame: Chromium refuses to render it.
    refusals = []
    page.on("console", lambda message: refusals.append(message.text) if "frame-ancestors" in message.text else None)
    page.goto(other_site.serve("/copy.html", article(iframe)))

    def refused() -> bool:
        return any("violates" in text and "has been blocked" in text and news_site.url in text for text in refusals)

    for _ in range(150):  # the refusal is logged once the frame's answer is in: wait for it, up to 15 s
        if refused():
            break
        page.wait_for_timeout(100)
    [child] = [f for f in page.frames if f != page.main_frame]
    assert not child.url.startswith(live_server.url)  # an error page, not the embed
    assert child.evaluate("document.querySelector('[data-embed]')") is None
    assert refused()


def test_embed_host_script_grows_the_frame_to_the_embeds_height(page, live_server, demo, news_site):
    src = f"{live_server.url}/embed/deir-ez-zor/?date=2016-06-01"
    host = f'<script async src="{live_server.url}/static/js/embed-host.js"></script>'
    # Too short for the map, the slider and the legend: the embed needs more and says so.
    url = news_site.serve(
        "/story.html", article(f'<iframe src="{src}" width="320" height="220" style="border:0"></iframe>', host)
    )
    page.goto(url)
    frame = embed_frame(page)
    page.wait_for_function("document.querySelector('iframe').getBoundingClientRect().height > 220")
    needed = int(frame.locator("[data-embed]").get_attribute("data-height"))
    assert needed > 220
    page.wait_for_function(f"Math.round(document.querySelector('iframe').getBoundingClientRect().height) === {needed}")
    messages = page.evaluate("window.atlasMessages")
    assert {"type": "frontline-atlas:resize", "version": 1, "slug": "deir-ez-zor", "height": needed} in messages
    # Inside, nothing is cut off: the footer's link is within the frame.
    assert frame.locator(".embed-full").is_visible()
    frame_box = page.locator("iframe").bounding_box()
    link_box = frame.locator(".embed-full").bounding_box()
    assert link_box["y"] + link_box["height"] <= frame_box["y"] + frame_box["height"] + 1


def test_a_grown_frame_shrinks_back_when_its_content_needs_less(page, live_server, demo, news_site):
    src = f"{live_server.url}/embed/deir-ez-zor/?date=2016-06-01"
    host = f'<script src="{live_server.url}/static/js/embed-host.js"></script>'
    frame_tag = f'<iframe src="{src}" width="320" height="220" style="border:0"></iframe>'
    page.goto(news_site.serve("/story.html", article(frame_tag, host)))
    frame = embed_frame(page)
    page.wait_for_function("document.querySelector('iframe').getBoundingClientRect().height > 220")
    narrow = int(frame.locator("[data-embed]").get_attribute("data-height"))
    page.wait_for_function(f"Math.round(document.querySelector('iframe').getBoundingClientRect().height) === {narrow}")
    # The column widens (a phone turned): the title and the legend take fewer lines, the frame gives back the room.
    page.evaluate("document.querySelector('iframe').width = '900'")
    page.wait_for_function(
        f"Math.round(document.querySelector('iframe').getBoundingClientRect().height) < {narrow}", timeout=5000
    )
    wide = int(frame.locator("[data-embed]").get_attribute("data-height"))
    assert 220 <= wide < narrow
    assert round(page.locator("iframe").bounding_box()["height"]) == max(220, wide)
    # Nothing is cut off at the new size either.
    frame_box = page.locator("iframe").bounding_box()
    link_box = frame.locator(".embed-full").bounding_box()
    assert link_box["y"] + link_box["height"] <= frame_box["y"] + frame_box["height"] + 1
    # Narrow again: it grows again.
    page.evaluate("document.querySelector('iframe').width = '320'")
    page.wait_for_function(f"Math.round(document.querySelector('iframe').getBoundingClientRect().height) === {narrow}")
    assert page.js_errors == []


def test_host_script_ignores_messages_from_elsewhere(page, live_server, demo, news_site):
    src = f"{live_server.url}/embed/deir-ez-zor/?date=2016-06-01"
    host = f'<script src="{live_server.url}/static/js/embed-host.js"></script>'
    page.goto(
        news_site.serve(
            "/story.html", article(f'<iframe src="{src}" width="600" height="400" style="border:0"></iframe>', host)
        )
    )
    embed_frame(page)
    # The host page itself (not the iframe) posts a resize: nothing grows.
    page.evaluate("window.postMessage({type: 'frontline-atlas:resize', version: 1, height: 3000}, '*')")
    page.wait_for_timeout(300)
    assert page.locator("iframe").bounding_box()["height"] == 400


def test_the_embed_sets_no_cookie_and_asks_nothing(page, live_server, demo, news_site):
    set_cookies = []

    def watch(response):
        if response.url.startswith(live_server.url) and "set-cookie" in response.headers:
            set_cookies.append(response.url)

    page.on("response", watch)
    dialogs = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    src = f"{live_server.url}/embed/deir-ez-zor/?date=2016-06-01&lang=ar"
    page.goto(
        news_site.serve(
            "/story.html", article(f'<iframe src="{src}" width="600" height="400" style="border:0"></iframe>')
        )
    )
    frame = embed_frame(page)
    frame.locator("[data-control=slider]").press("End")
    page.goto(src)  # and on its own, at the top
    page.wait_for_selector(EMBED_READY)
    assert set_cookies == []
    assert page.context.cookies() == []
    assert page.evaluate("document.cookie") == ""
    assert dialogs == []


def test_arabic_dark_fixed_date_embed(page, live_server, demo):
    page.set_viewport_size({"width": 600, "height": 400})
    page.goto(f"{live_server.url}/embed/deir-ez-zor/?date=2017-02-01&lang=ar&theme=dark&controls=none&legend=off")
    page.wait_for_selector(EMBED_READY)
    assert page.evaluate("document.documentElement.dir") == "rtl"
    assert page.locator("[data-control=slider]").count() == 0
    assert page.locator(".embed-legend").count() == 0
    assert page.locator(".embed-title").inner_text() == "حصار دير الزور، ٢٠١٤–٢٠١٧"
    background = page.evaluate("getComputedStyle(document.body).backgroundColor")
    assert background == "rgb(29, 31, 33)"
    assert page.locator("path.zone").count() == 34


def test_zoom_and_center_and_the_slider_range(page, live_server, demo):
    page.set_viewport_size({"width": 600, "height": 400})
    page.goto(
        f"{live_server.url}/embed/deir-ez-zor/?date=2016-06-01&from=2016-01-01&to=2016-12-31&zoom=14&center=35.33,40.13"
    )
    page.wait_for_selector(EMBED_READY)
    view = page.evaluate(
        "(() => { const m = window.frontlineEmbed.map, c = m.getCenter(); return [m.getZoom(), c.lat, c.lng]; })()"
    )
    assert view[0] == 14
    assert view[1] == pytest.approx(35.33, abs=1e-4) and view[2] == pytest.approx(40.13, abs=1e-4)
    slider = page.locator("[data-control=slider]")
    slider.press("End")
    assert page.locator("[data-embed]").get_attribute("data-date") == "2016-12-31"
    slider.press("Home")
    assert page.locator("[data-embed]").get_attribute("data-date") == "2016-01-01"


def test_without_scripts_the_embed_shows_the_server_drawn_picture(browser, live_server, demo, settings, tmp_path):
    settings.EMBED_IMAGE_CACHE_DIR = tmp_path / "images"
    context = browser.new_context(bypass_csp=True, java_script_enabled=False, viewport={"width": 600, "height": 400})
    try:
        page = context.new_page()
        page.goto(f"{live_server.url}/embed/deir-ez-zor/?date=2016-06-01")
        image = page.locator("img.embed-fallback")
        image.wait_for()
        page.wait_for_function("document.querySelector('img.embed-fallback').complete")
        assert page.evaluate("document.querySelector('img.embed-fallback').naturalWidth") == 600
        assert page.evaluate("document.querySelector('img.embed-fallback').naturalHeight") == 400
        assert image.is_visible()
    finally:
        context.close()


def test_share_dialogs_code_pasted_into_a_page_works(page, live_server, demo, news_site, settings):
    settings.SITE_URL = live_server.url
    page.goto(f"{live_server.url}/maps/deir-ez-zor/?date=2014-07-13")
    page.wait_for_selector("[data-viewer][data-ready=true]")
    page.get_by_role("button", name="Share / Embed").click()
    dialog = page.locator("[data-share=dialog]")
    assert dialog.is_visible()
    link = page.locator("[data-share=link]").input_value()
    assert link.startswith(f"{live_server.url}/maps/deir-ez-zor/?date=2014-07-13")
    page.locator("[data-share=width]").fill("500")
    page.locator("[data-share=height]").fill("380")
    page.locator("[data-share=legend]").uncheck()
    page.locator("[data-share=theme]").select_option("dark")
    code = page.locator("[data-share=code]").input_value()
    assert 'width="500" height="380"' in code
    assert "legend=off" in code and "theme=dark" in code and "date=2014-07-13" in code
    assert f'<script async src="{live_server.url}/static/js/embed-host.js"></script>' in code
    # The live preview shows the same embed.
    # The preview follows the options after a short pause: wait for the document built from them (dark), not
    # the one the dialog opened with.
    preview = page.frame_locator("[data-share=preview] iframe")
    preview.locator(f"html.theme-dark {EMBED_READY}").wait_for(timeout=15000)
    assert preview.locator(".embed-legend").count() == 0

    # Pasted into a news page on another origin, the code works.
    page.goto(news_site.serve("/pasted.html", article(code)))
    frame = embed_frame(page)
    assert zone_fill(frame, "al-hweiqa") == "#2e7d32"
    assert frame.locator(".embed-legend").count() == 0
    assert frame.locator("html.theme-dark").count() == 1
    box = page.locator("iframe").bounding_box()
    assert box["width"] == 500 and box["height"] >= 380
    assert page.evaluate("window.frontlineAtlasHost && window.frontlineAtlasHost.version") == 1
    frame.locator("[data-control=slider]").press("ArrowRight")
    assert zone_fill(frame, "al-hweiqa") == "#3b3b3b"


def test_share_link_opens_the_same_view(page, live_server, demo, settings):
    settings.SITE_URL = live_server.url
    page.goto(f"{live_server.url}/maps/deir-ez-zor/?date=2016-06-01&lang=ar")
    page.wait_for_selector("[data-viewer][data-ready=true]")
    page.locator("[data-share=open]").click()
    link = page.locator("[data-share=link]").input_value()
    assert "date=2016-06-01" in link and "lang=ar" in link
    assert page.locator("[data-share=lang]").input_value() == "ar"
    page.goto(link)
    page.wait_for_selector("[data-viewer][data-ready=true]")
    assert page.locator("[data-viewer]").get_attribute("data-date") == "2016-06-01"


@pytest.mark.parametrize("lang", ["ar", "en"])
def test_share_dialog_says_what_is_wrong_in_the_pages_language(page, live_server, demo, settings, lang):
    from django.utils import translation

    with translation.override(lang):
        expected_width = translation.gettext("Width must be a whole number of pixels from %(min)s to %(max)s.") % {
            "min": 200,
            "max": 2000,
        }
        expected_range = translation.gettext("The slider's range ends before it starts: 'to' is before 'from'.")
    if lang == "ar":
        assert expected_width.startswith("يجب أن يكون العرض") and "200" in expected_width
    settings.SITE_URL = live_server.url
    page.goto(f"{live_server.url}/maps/deir-ez-zor/?date=2016-06-01&lang={lang}")
    page.wait_for_selector("[data-viewer][data-ready=true]")
    page.locator("[data-share=open]").click()
    error = page.locator("[data-share=error]")
    assert error.is_hidden()
    assert page.locator("[data-share=code]").input_value().startswith("<iframe")

    page.locator("[data-share=width]").fill("50")
    assert error.is_visible()
    assert error.text_content() == expected_width
    assert page.locator("[data-share=code]").input_value() == ""

    page.locator("[data-share=width]").fill("600")
    assert error.is_hidden()
    page.locator("[data-share=from]").fill("2016-06-01")
    page.locator("[data-share=to]").fill("2015-06-01")
    assert error.text_content() == expected_range


def test_a_newsroom_page_with_two_embeds_of_one_map(page, live_server, demo, news_site, settings, tmp_path):
    """What a newsroom ships: one story on its own origin, two iframes of the same map (an Arabic, dark, fixed-date
    one without legend; an English one limited to a slider range and zoomed in), the documented host script
    sizing both, and not one cookie from the map's site."""
    settings.EMBED_IMAGE_CACHE_DIR = tmp_path / "images"
    set_cookies = []
    page.on(
        "response",
        lambda r: set_cookies.append(r.url) if r.url.startswith(live_server.url) and "set-cookie" in r.headers else 0,
    )
    arabic = f"{live_server.url}/embed/deir-ez-zor/?date=2016-06-01&lang=ar&controls=none&legend=false&theme=dark"
    english = (
        f"{live_server.url}/embed/deir-ez-zor/?date=2017-03-01&from=2017-01-01&to=2017-06-30"
        "&zoom=13&center=35.31,40.15&lang=en"
    )
    host = f'<script async src="{live_server.url}/static/js/embed-host.js"></script>'
    frames = (
        f'<iframe id="ar" src="{arabic}" width="320" height="200" style="border:0"></iframe><p>Between.</p>'
        f'<iframe id="en" src="{english}" width="300" height="220" style="border:0"></iframe>'
    )
    page.goto(news_site.serve("/story.html", article(frames, host)))
    ar, en = page.frame_locator("#ar"), page.frame_locator("#en")
    for frame in (ar, en):
        frame.locator(EMBED_READY).wait_for(timeout=15000)

    # Each paints its own day, in its own language and colours.
    assert ar.locator("html").get_attribute("dir") == "rtl"
    assert ar.locator("html.theme-dark").count() == 1
    assert ar.locator("[data-control=slider]").count() == 0 and ar.locator(".embed-legend").count() == 0
    assert ar.locator("[data-embed]").get_attribute("data-date") == "2016-06-01"
    assert zone_fill(ar, "al-jaryah") == "#c62828"  # still the government's in June 2016
    assert en.locator("html").get_attribute("dir") == "ltr"
    assert en.locator(".embed-legend").count() == 1
    assert zone_fill(en, "al-jaryah") == "#3b3b3b"  # ISIS cut the airport road on 16 January 2017
    view = en.locator("body").evaluate(
        "() => { const m = window.frontlineEmbed.map, c = m.getCenter(); return [m.getZoom(), c.lat, c.lng]; }"
    )
    assert view[0] == 13 and view[1] == pytest.approx(35.31, abs=1e-4) and view[2] == pytest.approx(40.15, abs=1e-4)
    slider = en.locator("[data-control=slider]")
    slider.press("End")
    assert en.locator("[data-embed]").get_attribute("data-date") == "2017-06-30"
    slider.press("Home")
    assert en.locator("[data-embed]").get_attribute("data-date") == "2017-01-01"

    # Both frames were too short for their content: the host script grew each to the height it asked for.
    for frame_id, frame, given in (("ar", ar, 200), ("en", en, 220)):
        needed = int(frame.locator("[data-embed]").get_attribute("data-height"))
        assert needed > given
        page.wait_for_function(
            f"Math.round(document.getElementById('{frame_id}').getBoundingClientRect().height) === {needed}"
        )
    messages = page.evaluate("window.atlasMessages")
    assert {m["date"] for m in messages if m["type"] == "frontline-atlas:ready"} == {"2016-06-01", "2017-03-01"}
    assert {"type": "frontline-atlas:date", "version": 1, "slug": "deir-ez-zor", "date": "2017-01-01"} in messages
    assert set_cookies == [] and page.context.cookies() == []
    assert page.js_errors == []


def test_a_host_script_that_arrives_after_the_embeds_still_sizes_them(page, live_server, demo, news_site):
    # The embeds have loaded and told their height before the host script runs (async on a slow network, or a
    # CMS that adds scripts at the end): the script asks them again when it starts.
    src = f"{live_server.url}/embed/deir-ez-zor/?date=2016-06-01"
    frames = (
        f'<iframe id="one" src="{src}" width="320" height="220" style="border:0"></iframe>'
        f'<iframe id="two" src="{src}&lang=ar" width="300" height="200" style="border:0"></iframe>'
    )
    page.goto(news_site.serve("/story.html", article(frames)))
    for frame_id in ("one", "two"):
        page.frame_locator(f"#{frame_id}").locator(EMBED_READY).wait_for(timeout=15000)
    assert [page.locator(f"#{i}").bounding_box()["height"] for i in ("one", "two")] == [220, 200]
    page.add_script_tag(url=f"{live_server.url}/static/js/embed-host.js")
    for frame_id in ("one", "two"):
        needed = int(page.frame_locator(f"#{frame_id}").locator("[data-embed]").get_attribute("data-height"))
        page.wait_for_function(
            f"Math.round(document.getElementById('{frame_id}').getBoundingClientRect().height) === {needed}"
        )
    assert page.js_errors == []


def test_a_cms_pasting_the_oembed_html_for_a_narrow_column_shows_the_whole_embed(
    page, live_server, demo, news_site, settings, client
):
    # A CMS asks oEmbed for a 300-pixel column and pastes `html` as it comes: 300x200 is too short for the map,
    # slider and legend, so the html carries the host script that grows the frame.
    settings.SITE_URL = live_server.url
    url = f"{live_server.url}/maps/deir-ez-zor/?date=2017-03-01"
    payload = client.get("/oembed", {"url": url, "maxwidth": "300"}, HTTP_HOST=live_server.url.split("//")[1]).json()
    assert (payload["width"], payload["height"]) == (300, 200), payload
    page.goto(news_site.serve("/cms.html", article(payload["html"])))
    frame = embed_frame(page)
    page.wait_for_function("document.querySelector('iframe').getBoundingClientRect().height > 200")
    for _ in range(50):  # the embed's height settles as its ticks and labels arrive; the frame follows it
        needed = int(frame.locator("[data-embed]").get_attribute("data-height"))
        if round(page.locator("iframe").bounding_box()["height"]) == needed:
            break
        page.wait_for_timeout(200)
    assert round(page.locator("iframe").bounding_box()["height"]) == needed > 200
    frame_box = page.locator("iframe").bounding_box()
    link_box = frame.locator(".embed-full").bounding_box()
    assert link_box["y"] + link_box["height"] <= frame_box["y"] + frame_box["height"] + 1
