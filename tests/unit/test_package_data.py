"""An installed wheel must carry every non-Python file the app reads at run time.

setuptools puts only ``.py`` files of the packages into a wheel, plus what
``[tool.setuptools.package-data]`` lists (patterns relative to each package's directory,
``**`` spanning directories). Building a wheel takes tens of seconds, so this test applies the
same patterns to the source tree: a template, schema or migration template added under
``app/`` without a matching pattern fails here instead of in a deployed wheel.
"""
from __future__ import annotations

import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SOURCE_SUFFIXES = {".py", ".pyc"}


def packaged_files() -> set[Path]:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    files: set[Path] = set()
    for package, patterns in config["tool"]["setuptools"]["package-data"].items():
        base = ROOT / package.replace(".", "/")
        assert (base / "__init__.py").is_file(), f"package-data names {package}, which is not a package"
        for pattern in patterns:
            matched = {path for path in base.glob(pattern) if path.is_file()}
            assert matched, f"package-data pattern {package}: {pattern} matches no file"
            files |= matched
    return files


def test_every_runtime_file_under_app_is_package_data():
    needed = {path for path in (ROOT / "app").rglob("*")
              if path.is_file() and path.suffix not in SOURCE_SUFFIXES and "__pycache__" not in path.parts}
    missing = sorted(str(path.relative_to(ROOT)) for path in needed - packaged_files())
    assert missing == [], f"add these to [tool.setuptools.package-data] in pyproject.toml: {missing}"


def test_the_templates_and_the_pipedrive_schema_are_among_them():
    names = {str(path.relative_to(ROOT)) for path in packaged_files()}
    assert "app/templates/admin/settings.html" in names
    assert "app/crm/pipedrive/panel_schema.json" in names
    assert "app/storage/migrations/script.py.mako" in names
