"""Tools both apps use: geometry, HTTP parameter parsing, JSON and error responses, ETags, method refusal.

A leaf: nothing here imports gazetteer's or mapapp's domain (models, selectors, services, views, api), so both
apps may import it and it can never be part of an import circle. tests/test_layers.py holds it to that.
"""
