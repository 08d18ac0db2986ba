"""Time stamps: only the manifest says when a run was made; PDFs and GeoPackages are byte-identical."""

from __future__ import annotations

import hashlib
import sqlite3
import time

import geopandas as gpd
import pytest
from shapely.geometry import Point

from alignment.maps import write_geopackage
from alignment.timestamps import FIXED_DATE, gdal_date, run_time, source_date_epoch, strip_pdf_dates

INFO = b"1 0 obj\n<</Creator (x)/Producer (Skia/PDF m156)/CreationDate (D:20261205130841+00'00')\n/ModDate (D:20261205130841+00'00')>>\nendobj\n"


def test_pdf_dates_are_blanked_in_place(monkeypatch):
    monkeypatch.delenv("SOURCE_DATE_EPOCH", raising=False)
    out = strip_pdf_dates(INFO)
    assert len(out) == len(INFO)  # every byte offset, and the xref table, stay valid
    assert b"CreationDate" not in out and b"ModDate" not in out and b"D:2026" not in out
    assert b"/Producer (Skia/PDF m156)" in out


def test_source_date_epoch_stamps_every_output(monkeypatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1717200000")  # 2024-06-01T00:00:00Z
    assert source_date_epoch().isoformat() == "2024-06-01T00:00:00+00:00"
    assert run_time() == source_date_epoch()
    assert gdal_date() == "2024-06-01T00:00:00.000Z"
    out = strip_pdf_dates(INFO)
    assert len(out) == len(INFO)
    assert out.count(b"(D:20240601000000+00'00')") == 2


@pytest.mark.parametrize("value", ["", "soon", "-5", "1.5"])
def test_an_unusable_source_date_epoch_is_ignored(monkeypatch, value):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", value)
    assert source_date_epoch() is None
    assert gdal_date() == FIXED_DATE.strftime("%Y-%m-%dT%H:%M:%S.000Z")


def test_a_geopackage_written_twice_is_byte_identical(tmp_path, monkeypatch):
    monkeypatch.delenv("SOURCE_DATE_EPOCH", raising=False)
    layer = gpd.GeoDataFrame({"region_name": ["North"]}, geometry=[Point(-120, 44)], crs="EPSG:4269")
    digests = []
    for i in range(2):
        path = write_geopackage(tmp_path / f"m{i}.gpkg", {"regions": layer}, {"regions": "test"})
        digests.append(hashlib.sha256(path.read_bytes()).hexdigest())
        time.sleep(1.1)  # GDAL's clock has millisecond precision: a second apart would differ
    assert digests[0] == digests[1]
    with sqlite3.connect(tmp_path / "m0.gpkg") as db:
        assert db.execute("select last_change from gpkg_contents").fetchone()[0] == gdal_date()


def test_a_page_printed_twice_gives_the_same_pdf(tmp_path, monkeypatch):
    from alignment.report.pdf import html_to_pdf, pdf_renderer

    if pdf_renderer() is None:
        pytest.skip("needs headless Chromium")
    monkeypatch.delenv("SOURCE_DATE_EPOCH", raising=False)
    page = tmp_path / "page.html"
    page.write_text("<!doctype html><html lang=en><title>t</title><h1>Same page</h1><p>twice</p></html>")
    first = html_to_pdf(page, tmp_path / "a.pdf").read_bytes()
    time.sleep(1.1)  # the printer's clock has one-second precision
    second = html_to_pdf(page, tmp_path / "b.pdf").read_bytes()
    assert b"CreationDate" not in first
    assert first == second
