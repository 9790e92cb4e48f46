"""OGC API - Features, Part 1 Core (OGC 17-069r4) with its GeoJSON and HTML classes, over the public maps: one
collection per map, whose items are its control periods. See mapapp.ogc.views."""
