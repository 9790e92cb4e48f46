"""Import places from GIS files: GeoJSON (old `crs` member too), Shapefile (zipped or not), KML/KMZ, GeoPackage,
and CSV with a WKT column or latitude/longitude columns. Used by `manage.py import_places` and the admin.

Everything is read (through geopandas/pyogrio, pandas for CSV) and checked before anything is written; a file
that cannot be read raises ImportFileError with one line saying why, and nothing is written. Then, inside one
transaction (rolled back for a dry run), each feature is created as a place or merged into the existing place
it names (same name after normalisation, shapes overlapping, compatible kinds) as a new spelling. Points get an
approximate footprint: their Voronoi cell within the parent's footprint, or a circle sized by their kind.
The ImportReport says what happened to every feature.

One module per step: readers (by format: ogr, delimited; layer for what they share), features, matching,
footprints, writing; options for what is asked and reported. This package re-exports the public names.
"""

from gazetteer.importer.features import Feature, features_of
from gazetteer.importer.layer import Layer
from gazetteer.importer.options import SUFFIXES, ImportFileError, ImportOptions, ImportReport
from gazetteer.importer.polygons import read_area
from gazetteer.importer.readers import read_layer
from gazetteer.importer.writing import places_import

__all__ = [
    "SUFFIXES",
    "Feature",
    "ImportFileError",
    "ImportOptions",
    "ImportReport",
    "Layer",
    "features_of",
    "places_import",
    "read_area",
    "read_layer",
]
