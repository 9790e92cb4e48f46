"""The Arabic catalogue: the compiled .mo in git is the one the .po says, and the interface speaks Arabic."""

import shutil
import subprocess
from pathlib import Path

import pytest
from django.utils import translation

LOCALE = Path(__file__).resolve().parent.parent / "locale" / "ar" / "LC_MESSAGES"


@pytest.mark.skipif(shutil.which("msgfmt") is None, reason="gettext's msgfmt is not installed")
def test_the_committed_mo_is_compiled_from_the_po(tmp_path):
    compiled = tmp_path / "django.mo"
    subprocess.run(["msgfmt", "--check-format", "-o", str(compiled), str(LOCALE / "django.po")], check=True)
    assert compiled.read_bytes() == (LOCALE / "django.mo").read_bytes(), (
        "locale/ar/LC_MESSAGES/django.mo is stale: run manage.py compilemessages -l ar and commit the .mo"
    )


def test_editor_errors_are_translated():
    with translation.override("ar"):
        assert translation.gettext("a control change needs at least one source") == (
            "يحتاج تغيير السيطرة إلى مصدر واحد على الأقل"
        )
