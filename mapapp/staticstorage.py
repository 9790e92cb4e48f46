"""Static files under content-hashed names with gzip and brotli copies (whitenoise), for STATIC_MANIFEST=true.

A name the manifest does not list (collectstatic has not run yet, as when `make run` migrates before collecting,
or a file added since) gets its plain name instead of an error: whitenoise serves plain names too, from
STATIC_ROOT or from static/ (WHITENOISE_USE_FINDERS), with a short max-age instead of a year.
"""

from pathlib import Path

from django.core.files.base import ContentFile
from whitenoise.storage import CompressedManifestStaticFilesStorage

from mapapp.jsbundle import BUNDLED, bundle


class ManifestStaticFilesStorage(CompressedManifestStaticFilesStorage):
    manifest_strict = False
    # The viewer is ES modules importing each other by relative name ("./layers.js"): rewritten to the hashed
    # names, so each is served compressed and cached a year like the page's own <script>, and the page's
    # modulepreload of viewer.js is the very file map-page.js imports (not fetched again under its plain name).
    support_js_module_import_aggregation = True

    def stored_name(self, name):
        try:
            return super().stored_name(name)
        except ValueError:  # not in the manifest, and not in STATIC_ROOT to hash it
            return name

    def post_process(self, paths, dry_run=False, **options):
        """Before hashing: each entry of mapapp.jsbundle.BUNDLED and its modules bundled by esbuild into one file
        beside it (`<entry>.bundle.js`), then hashed and compressed like the rest."""
        if not dry_run:
            paths = dict(paths)
            for entry in BUNDLED:
                if entry not in paths:
                    continue
                name = entry.removesuffix(".js") + ".bundle.js"
                if self.exists(name):
                    self.delete(name)
                storage, source = paths[entry]
                self.save(name, ContentFile(bundle(Path(storage.path(source))).encode()))
                paths[name] = (self, name)
        yield from super().post_process(paths, dry_run, **options)
