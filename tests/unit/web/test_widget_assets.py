"""Widget assets: fingerprinted names, a year's cache, gzip; index.html revalidated; the Pipedrive SDK only on demand."""
from __future__ import annotations

import gzip
import re

import pytest

from app.web.widget_assets import IMMUTABLE, WidgetAssets, accepts_gzip, fingerprinted_name


def asset_names(html: str) -> list[str]:
    return re.findall(r'(?:src|href)="([^"]+)"', html)


def test_index_names_fingerprinted_assets_served_for_a_year_compressed(client):
    index = client.get("/widgets/account-panel/", headers={"Accept-Encoding": "gzip"})
    assert index.status_code == 200 and index.headers["Cache-Control"] == "no-cache"
    assert index.headers["Content-Encoding"] == "gzip" and index.headers["Vary"] == "Accept-Encoding"
    html = gzip.decompress(index.get_data()).decode()
    names = asset_names(html)
    assert "panel.css" not in names and any(re.fullmatch(r"panel\.[0-9a-f]{10}\.js", n) for n in names)
    for name in names:
        plain = client.get(f"/widgets/account-panel/{name}")
        packed = client.get(f"/widgets/account-panel/{name}", headers={"Accept-Encoding": "gzip, br"})
        assert plain.status_code == packed.status_code == 200
        assert plain.headers["Cache-Control"] == IMMUTABLE and "Content-Encoding" not in plain.headers
        assert packed.headers["Content-Encoding"] == "gzip"
        assert gzip.decompress(packed.get_data()) == plain.get_data()
        assert len(packed.get_data()) < len(plain.get_data())
    again = client.get("/widgets/account-panel/", headers={"If-None-Match": index.headers["ETag"],
                                                         "Accept-Encoding": "gzip"})
    assert again.status_code == 304


def test_the_pipedrive_sdk_is_not_a_script_of_the_page(client):
    html = client.get("/widgets/account-panel/").get_data(as_text=True)
    scripts = re.findall(r'<script src="([^"]+)"', html)
    assert not any("pipedrive-app-extensions-sdk" in s for s in scripts)
    sdk = re.search(r'data-src="(vendor/pipedrive-app-extensions-sdk\.umd\.[0-9a-f]{10}\.js)"', html)
    assert sdk and client.get(f"/widgets/account-panel/{sdk.group(1)}").status_code == 200


def test_unfingerprinted_names_still_work_without_long_caching(client):
    response = client.get("/widgets/account-panel/panel.js")
    assert response.status_code == 200 and response.headers["Cache-Control"] == "no-cache"


def test_a_changed_file_gets_a_new_name(tmp_path):
    widget = tmp_path / "w"
    widget.mkdir()
    (widget / "index.html").write_text('<script src="a.js"></script><link href="b.css"><a href="https://x/a.js">')
    (widget / "a.js").write_text("one")
    (widget / "b.css").write_text("body{}")
    assets = WidgetAssets(str(tmp_path))
    first = assets.index("w")[0].decode()
    assert f'src="{fingerprinted_name("a.js", b"one")}"' in first and 'href="https://x/a.js"' in first
    (widget / "a.js").write_text("two!")
    second = assets.index("w")[0].decode()
    assert f'src="{fingerprinted_name("a.js", b"two!")}"' in second
    assert assets.asset("w", fingerprinted_name("a.js", b"two!")).body == b"two!"
    assert assets.asset("w", "a.js") is None


@pytest.mark.parametrize("header,ok", [("gzip", True), ("br, gzip;q=0.5", True), ("gzip;q=0", False),
                                       ("identity", False), ("", False), ("*", True)])
def test_accepts_gzip(header, ok):
    assert accepts_gzip(header) is ok
