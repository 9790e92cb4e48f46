"""Static files: STATIC_MANIFEST's storage (mapapp/staticstorage.py) as `make run` collects it, where the viewer's
ES modules import each other under their hashed names, so each is served compressed and cached a year, and
map-page.js imports the very viewer.js the page preloads (under plain names they came uncompressed, with a minute's
max-age, and viewer.js twice); and their answers' headers."""

import json
import posixpath
import re
import shutil
from pathlib import Path

import pytest
from django.core.management import call_command
from django.template import Context, Template
from django.templatetags.static import static
from django.test import override_settings

from mapapp.jsbundle import bundle, bundle_name
from mapapp.staticstorage import ManifestStaticFilesStorage

ROOT = Path(__file__).resolve().parent.parent.parent
IMPORT = re.compile(r"""(?:\bfrom\s*|\bimport\s*\(\s*)["'](\.{1,2}/[^"']+)["']""")


def test_collected_viewer_modules_import_each_other_by_hashed_name(tmp_path, settings):
    source = tmp_path / "source"
    shutil.copytree(ROOT / "static" / "js", source / "js")  # the modules alone: collecting admin's files is slow
    collected = tmp_path / "collected"
    storages = {**settings.STORAGES, "staticfiles": {"BACKEND": "mapapp.staticstorage.ManifestStaticFilesStorage"}}
    with override_settings(
        STATIC_ROOT=collected,
        STATICFILES_DIRS=[source],
        STATICFILES_FINDERS=["django.contrib.staticfiles.finders.FileSystemFinder"],
        STORAGES=storages,
    ):
        call_command("collectstatic", "--noinput", "-v", "0")
        manifest = json.loads((collected / "staticfiles.json").read_text())["paths"]
        hashed = set(manifest.values())
        page = manifest["js/map-page.js"]
        checked = 0
        for name in [page] + [manifest[n] for n in manifest if n.startswith("js/viewer/")]:
            text = (collected / name).read_text()
            for target in IMPORT.findall(text):
                assert posixpath.normpath(posixpath.join(posixpath.dirname(name), target)) in hashed, (name, target)
                checked += 1
            assert (collected / (name + ".br")).exists() and (collected / (name + ".gz")).exists(), name
        assert checked > 20  # viewer.js alone imports a dozen
        # The page preloads the viewer.js that map-page.js imports.
        assert f'"./viewer/{Path(manifest["js/viewer/viewer.js"]).name}"' in (collected / page).read_text()
        assert static("js/viewer/viewer.js").endswith(manifest["js/viewer/viewer.js"])
        assert ManifestStaticFilesStorage.support_js_module_import_aggregation


def test_static_files_carry_no_content_security_policy_and_pages_do(client, demo):
    """A policy governs documents; on a script or stylesheet it is a third of the answer's headers, never read."""
    page = client.get("/maps/deir-ez-zor/")
    assert "default-src 'self'" in page["Content-Security-Policy"]
    for path in ("/static/js/viewer/viewer.js", "/static/css/site.css"):
        answer = client.get(path)
        assert answer.status_code == 200, path
        assert "Content-Security-Policy" not in answer, path
        assert answer["X-Content-Type-Options"] == "nosniff", path  # SecurityMiddleware still wraps them
        answer.close()


def test_collectstatic_bundles_the_map_page_and_the_embed(tmp_path, settings):
    source = tmp_path / "source"
    shutil.copytree(ROOT / "static" / "js", source / "js")
    collected = tmp_path / "collected"
    storages = {**settings.STORAGES, "staticfiles": {"BACKEND": "mapapp.staticstorage.ManifestStaticFilesStorage"}}
    assert bundle_name("js/map-page.js") == "js/map-page.js"  # no manifest here: the modules as written
    with override_settings(
        STATIC_ROOT=collected,
        STATICFILES_DIRS=[source],
        STATICFILES_FINDERS=["django.contrib.staticfiles.finders.FileSystemFinder"],
        STORAGES=storages,
    ):
        call_command("collectstatic", "--noinput", "-v", "0")
        manifest = json.loads((collected / "staticfiles.json").read_text())["paths"]
        for entry in ("js/map-page.js", "js/embed.js"):
            name = entry.removesuffix(".js") + ".bundle.js"
            assert bundle_name(entry) == name
            text = (collected / manifest[name]).read_text()
            assert (collected / (manifest[name] + ".br")).exists()
            assert not re.search(r"(^|[;}])\s*(import|export)\s", text, re.M), entry  # no import or export left
            assert not IMPORT.findall(text), entry  # every module inside, import() too
            assert "The map viewer: loads the geometry" not in text, entry  # viewer.js's first comment: minified
            assert len(text.splitlines()) < 20, entry
        # The events layer (import()ed by the viewer) is in the map page's bundle, run only when asked for.
        assert '"events-control leaflet-bar"' in (collected / manifest["js/map-page.bundle.js"]).read_text()
        # Under the manifest the pages' tag names the bundle.
        tag = Template("{% load modules static %}{% module_entry 'js/map-page.js' as entry %}{% static entry %}")
        assert tag.render(Context()) == f"/static/{manifest['js/map-page.bundle.js']}"


def test_a_module_esbuild_cannot_bundle_is_refused_naming_the_file_and_the_fault(tmp_path):
    (tmp_path / "a.js").write_text('import { b } from "./missing.js";\nconsole.log(b);\n')
    (tmp_path / "c.js").write_text("export const c = ;\n")
    with pytest.raises(ValueError, match=r"a\.js: esbuild could not bundle it: .*missing\.js"):
        bundle(tmp_path / "a.js")
    with pytest.raises(ValueError, match=r"c\.js: esbuild could not bundle it: .*Unexpected"):
        bundle(tmp_path / "c.js")
    (tmp_path / "d.js").write_text('import { c } from "./e.js";\nconsole.log(c("دير الزور"));\n')
    (tmp_path / "e.js").write_text("// a comment\nexport function c(name) {\n  return name.length;\n}\n")
    text = bundle(tmp_path / "d.js")
    assert "دير الزور" in text and "comment" not in text and "export" not in text and "import" not in text
