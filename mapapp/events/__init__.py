"""Events beside the ground: dated point events (battles, air strikes, shelling, supply drops) shown over the
control map, imported from ACLED and UCDP GED exports or a plain CSV, or added by editors.

models: Event. The writes (event_create / event_update / events_import) are mapapp/services/events.py.
formats: the three file layouts read into one row shape. selectors: the public GeoJSON. api:
/api/v1/maps/<slug>/events. export: the GeoPackage layer. admin: editors' and reviewers' pages.
"""
