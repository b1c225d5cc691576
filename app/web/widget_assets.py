"""Fingerprinted, compressed widget assets: long cache lifetimes without stale code.

Each script and stylesheet of a widget directory is served under a name carrying a hash of its
bytes (``panel.3f2a9c1b7d.js``) with ``Cache-Control: public, max-age=31536000, immutable``, gzip-
compressed when the browser accepts it; the widget's ``index.html`` (always revalidated) names
those files, so a new release changes the names and a browser never runs an old script. The
copies are built once per process and again only when a file changes (size and mtime), which
keeps the demo's edit-and-reload working.
"""
from __future__ import annotations

import gzip
import hashlib
import mimetypes
import os
import re
import threading
from dataclasses import dataclass

#: a year: the name changes with the content, so a cached copy is never wrong
IMMUTABLE = "public, max-age=31536000, immutable"
#: files fingerprinted (index.html names them); anything else is served as it is
FINGERPRINTED = (".js", ".css")
#: attributes of index.html that name an asset
_REFERENCE = re.compile(r'\b(src|href|data-src)="([^":?#]+)"')
#: gzip level: the assets are compressed once per process, so the smallest output is worth it
GZIP_LEVEL = 9


@dataclass(frozen=True)
class Asset:
    """One widget file: its bytes, their gzip form and the fingerprinted name it is served under."""

    path: str            # relative to the widget directory, e.g. "vendor/sdk.umd.js"
    served_as: str       # e.g. "vendor/sdk.umd.1a2b3c4d5e.js"
    body: bytes
    gzipped: bytes
    mimetype: str


@dataclass(frozen=True)
class _Built:
    stamp: tuple[tuple[str, int, int], ...]
    index: bytes
    index_gzipped: bytes
    assets: dict[str, Asset]        # by served_as


def fingerprinted_name(path: str, body: bytes) -> str:
    """``dir/name.ext`` -> ``dir/name.<10 hex of sha256>.ext``."""
    stem, ext = os.path.splitext(path)
    return f"{stem}.{hashlib.sha256(body).hexdigest()[:10]}{ext}"


class WidgetAssets:
    """The fingerprinted assets and rewritten index.html of the widget directories under ``root``."""

    def __init__(self, root: str):
        self.root = root
        self._built: dict[str, _Built] = {}
        self._lock = threading.Lock()

    def index(self, widget: str) -> tuple[bytes, bytes]:
        """index.html naming the fingerprinted assets, and its gzip form."""
        built = self._current(widget)
        return built.index, built.index_gzipped

    def asset(self, widget: str, served_as: str) -> Asset | None:
        """The asset served under this fingerprinted name (None: not a fingerprinted name)."""
        return self._current(widget).assets.get(served_as)

    def _files(self, widget: str) -> list[str]:
        folder = os.path.join(self.root, widget)
        found = []
        for base, _dirs, names in os.walk(folder):
            for name in names:
                if name.endswith(FINGERPRINTED) or name == "index.html":
                    found.append(os.path.relpath(os.path.join(base, name), folder).replace(os.sep, "/"))
        return sorted(found)

    def _current(self, widget: str) -> _Built:
        folder = os.path.join(self.root, widget)
        files = self._files(widget)
        stamp = tuple((f, (st := os.stat(os.path.join(folder, f))).st_size, st.st_mtime_ns) for f in files)
        built = self._built.get(widget)
        if built is not None and built.stamp == stamp:
            return built
        with self._lock:
            built = self._build(folder, files, stamp)
            self._built[widget] = built
        return built

    @staticmethod
    def _build(folder: str, files: list[str], stamp: tuple[tuple[str, int, int], ...]) -> _Built:
        by_path: dict[str, Asset] = {}
        for path in files:
            if path == "index.html":
                continue
            with open(os.path.join(folder, path), "rb") as fh:
                body = fh.read()
            mimetype = mimetypes.guess_type(path)[0] or "application/octet-stream"
            by_path[path] = Asset(path, fingerprinted_name(path, body), body,
                                  gzip.compress(body, GZIP_LEVEL, mtime=0), mimetype)
        index = b""
        if "index.html" in files:
            with open(os.path.join(folder, "index.html"), encoding="utf-8") as fh:
                html = fh.read()
            html = _REFERENCE.sub(lambda m: f'{m.group(1)}="{by_path[m.group(2)].served_as}"'
                                  if m.group(2) in by_path else m.group(0), html)
            index = html.encode("utf-8")
        return _Built(stamp, index, gzip.compress(index, GZIP_LEVEL, mtime=0),
                      {asset.served_as: asset for asset in by_path.values()})


def accepts_gzip(accept_encoding: str) -> bool:
    """Whether an Accept-Encoding header allows gzip (``gzip;q=0`` refuses it)."""
    for part in accept_encoding.lower().split(","):
        name, _, params = part.strip().partition(";")
        if name.strip() in ("gzip", "*"):
            q = params.strip()
            return not (q.startswith("q=") and _q(q[2:]) == 0)
    return False


def _q(text: str) -> float:
    try:
        return float(text)
    except ValueError:
        return 1.0
