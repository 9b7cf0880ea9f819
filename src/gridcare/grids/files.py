"""Reading grid files: GeoJSON directly; Shapefile and GeoPackage through pyogrio (GDAL),
reprojected to WGS84 when the file declares another CRS. The result is a GeoJSON
FeatureCollection for ``parse_grid_features``, so every format gets the same validation."""

from __future__ import annotations

import json
import tempfile
import zipfile
from pathlib import Path
from typing import Any

import numpy as np
import shapely
from pyproj import CRS, Transformer
from shapely.geometry import mapping

from gridcare.core.errors import InvalidInput
from gridcare.core.i18n import T_

VECTOR_SUFFIXES = {".shp", ".gpkg", ".zip"}


def _feature_collection_from_ogr(path: Path) -> dict[str, Any]:
    import pyogrio

    try:
        meta, _fids, geometries, fields = pyogrio.raw.read(path)
    except Exception as exc:  # GDAL's errors are many; the user needs the one line
        raise InvalidInput.field("file", T_("cannot read %(file)s: %(error)s", file=path.name, error=str(exc).splitlines()[0])) from None
    geoms = shapely.from_wkb(geometries)
    source = meta.get("crs")
    if source and CRS.from_user_input(source) != CRS.from_epsg(4326):
        transformer = Transformer.from_crs(source, 4326, always_xy=True)
        geoms = shapely.transform(geoms, lambda xy: np.column_stack(transformer.transform(xy[:, 0], xy[:, 1])))
    names = list(meta["fields"])
    features = []
    for i, geom in enumerate(geoms):
        props = {name: (None if values[i] is None else (values[i].item() if hasattr(values[i], "item") else values[i])) for name, values in zip(names, fields, strict=True)}
        features.append({"type": "Feature", "properties": props, "geometry": mapping(geom) if geom is not None else None})
    return {"type": "FeatureCollection", "features": json.loads(json.dumps(features, default=str))}


def read_grid_file(data: bytes, *, filename: str) -> dict[str, Any]:
    """A FeatureCollection from GeoJSON, a GeoPackage, or a zipped Shapefile."""
    suffix = Path(filename).suffix.lower()
    if suffix not in VECTOR_SUFFIXES:
        try:
            return json.loads(data.decode("utf-8-sig"))
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise InvalidInput.field("file", T_("not a GeoJSON document: %(error)s", error=str(exc))) from None
    with tempfile.TemporaryDirectory() as tmp:
        target = Path(tmp) / Path(filename).name
        target.write_bytes(data)
        if suffix == ".zip":
            try:
                with zipfile.ZipFile(target) as archive:
                    members = [m for m in archive.namelist() if not m.startswith("/") and ".." not in m]
                    archive.extractall(tmp, members=members)
            except zipfile.BadZipFile:
                raise InvalidInput.field("file", T_("not a zip archive")) from None
            shapes = sorted(Path(tmp).rglob("*.shp"))
            if not shapes:
                raise InvalidInput.field("file", T_("the zip holds no .shp file"))
            target = shapes[0]
        return _feature_collection_from_ogr(target)


def read_grid_path(path: Path) -> dict[str, Any]:
    """Like ``read_grid_file`` for a path on disk (a .shp keeps its sidecar files)."""
    if path.suffix.lower() in (".shp", ".gpkg"):
        return _feature_collection_from_ogr(path)
    return read_grid_file(path.read_bytes(), filename=path.name)
