"""Every data file the package reads at run time is shipped in the wheel (the Docker image runs `pip install .`)."""

from __future__ import annotations

import fnmatch
import tomllib

from tests.helpers import REPO


def test_every_data_file_is_package_data() -> None:
    config = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))
    patterns = config["tool"]["setuptools"]["package-data"]["chatbot"]
    package = REPO / "chatbot"
    data = [p.relative_to(package).as_posix() for p in package.rglob("*")
            if p.is_file() and p.suffix not in (".py", ".pyc") and "__pycache__" not in p.parts]
    assert data and [f for f in data if not any(fnmatch.fnmatch(f, pattern) for pattern in patterns)] == []
