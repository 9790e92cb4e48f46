"""Static files under content-hashed names with gzip and brotli copies (whitenoise), for STATIC_MANIFEST=true.

A name the manifest does not list (collectstatic has not run yet, as when `make run` migrates before collecting,
or a file added since) gets its plain name instead of an error: whitenoise serves plain names too, from
STATIC_ROOT or from static/ (WHITENOISE_USE_FINDERS), with a short max-age instead of a year.
"""

from whitenoise.storage import CompressedManifestStaticFilesStorage


class ManifestStaticFilesStorage(CompressedManifestStaticFilesStorage):
    manifest_strict = False

    def stored_name(self, name):
        try:
            return super().stored_name(name)
        except ValueError:  # not in the manifest, and not in STATIC_ROOT to hash it
            return name
