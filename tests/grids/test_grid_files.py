"""Shapefile and GeoPackage grids, written with GDAL here and read back as users would."""

import io
import zipfile

import numpy as np
import pyogrio
import pytest
import shapely
from pyproj import Transformer
from shapely.geometry import box

from gridcare.core.errors import InvalidInput
from gridcare.grids.files import read_grid_file, read_grid_path
from gridcare.grids.geometry import parse_grid_features

SQUARES = [box(112.90, 28.10, 112.95, 28.15), box(112.95, 28.10, 113.00, 28.15)]


def write(path, *, driver, crs="EPSG:4326"):
    geoms = SQUARES
    if crs != "EPSG:4326":
        t = Transformer.from_crs(4326, crs, always_xy=True)
        geoms = [shapely.transform(g, lambda xy: np.column_stack(t.transform(xy[:, 0], xy[:, 1]))) for g in SQUARES]
    pyogrio.raw.write(
        path,
        geometry=np.array([shapely.to_wkb(g) for g in geoms], dtype=object),
        field_data=[np.array(["A-01", "A-02"], dtype=object), np.array(["甲网格", "乙网格"], dtype=object)],
        fields=["code", "name"],
        geometry_type="Polygon",
        crs=crs,
        driver=driver,
        encoding="UTF-8",
    )


def test_it_reads_a_geopackage_in_wgs84(tmp_path):
    path = tmp_path / "grids.gpkg"
    write(path, driver="GPKG")
    shapes = parse_grid_features(read_grid_path(path))
    assert [(s.code, s.name) for s in shapes] == [("A-01", "甲网格"), ("A-02", "乙网格")]
    assert shapes[0].geometry.equals_exact(SQUARES[0], 1e-9)


def test_it_reprojects_a_zipped_shapefile_in_web_mercator(tmp_path):
    folder = tmp_path / "shp"
    folder.mkdir()
    write(folder / "grids.shp", driver="ESRI Shapefile", crs="EPSG:3857")
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for part in folder.iterdir():
            archive.write(part, part.name)
    shapes = parse_grid_features(read_grid_file(buffer.getvalue(), filename="grids.zip"))
    assert [s.code for s in shapes] == ["A-01", "A-02"]
    assert shapes[1].geometry.normalize().equals_exact(SQUARES[1].normalize(), 1e-6)  # shapefiles reorient rings


def test_it_names_the_file_when_it_is_not_readable():
    with pytest.raises(InvalidInput, match="^file: not a zip archive"):
        read_grid_file(b"not a zip", filename="grids.zip")
    with pytest.raises(InvalidInput, match="^file: not a GeoJSON document"):
        read_grid_file(b"\xff\xfe garbage", filename="grids.geojson")
