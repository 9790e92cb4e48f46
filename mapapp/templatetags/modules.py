"""{% module_entry "js/map-page.js" as entry %}: the static name of a page's ES module entry, its bundle where
collectstatic made one (mapapp/jsbundle.py), so `{% static entry %}` loads one file under `make run`."""

from django import template

from mapapp.jsbundle import bundle_name

register = template.Library()


@register.simple_tag
def module_entry(entry):
    return bundle_name(entry)
