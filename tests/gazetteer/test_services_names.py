"""Names as the services store them: what is pasted with an Arabic name from a web page is not part of it."""

import pytest

from gazetteer.models import PlaceName
from gazetteer.normalize import clean_name
from gazetteer.services import place_create, place_names_add
from tests.conftest import square

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "pasted, stored",
    [
        ("\u200fالجورة\u200f", "الجورة"),  # right-to-left marks
        ("\u202bحي الجورة\u202c", "حي الجورة"),  # an embedding and its end
        ("\ufeffal-Joura", "al-Joura"),  # a byte-order mark
        ("\u200cالقصور\u200c ", "القصور"),  # joiners at the ends
        ("دير\u00a0 الزور", "دير الزور"),  # a no-break space and a space
        ("می\u200cخواهم", "می\u200cخواهم"),  # a joiner inside a word is kept (Persian writes it so)
    ],
)
def test_clean_name(pasted, stored):
    assert clean_name(pasted) == stored


def test_a_name_pasted_with_direction_marks_is_not_a_new_spelling():
    place = place_create(
        slug="al-joura", name_en="\u200eal-Joura", name_ar="\u200fالجورة\u200f", kind="district",
        footprint=square(40.11, 35.33),
    )  # fmt: skip
    assert (place.name_en, place.name_ar) == ("al-Joura", "الجورة")
    assert place_names_add(place=place, names=[("\u200fالجورة", "ar", "variant")]) == []
    assert sorted(PlaceName.objects.filter(place=place).values_list("name", flat=True)) == ["al-Joura", "الجورة"]
