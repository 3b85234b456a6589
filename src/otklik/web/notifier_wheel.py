"""The desktop notifier as a wheel, built by the server from the notifier's package that ships with
it (the main distribution includes `otklik_notifier`, notifier/src): an employee installs it with
`pipx install <this server>/notifier/otklik_notifier-<version>-py3-none-any.whl`, no source tree
needed. Built in memory once per process (the files do not change while it runs) and byte for byte
the same each time: sorted entries, a fixed time stamp, fixed permissions.

The metadata comes from the package itself, as notifier/pyproject.toml reads it for a build from the
source: the version (`otklik_notifier.__version__`) and the dependencies (its requirements.txt); the
command's entry point is the one that file names (a test holds them together). Nothing of the
package is imported but its `__init__`: the desktop libraries stay the notifier's, not the server's.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import importlib.resources
import io
import zipfile
from dataclasses import dataclass
from importlib.resources.abc import Traversable

import otklik_notifier

PACKAGE = "otklik_notifier"
DIST_NAME = "otklik-notifier"
SUMMARY = "Otklik's desktop notifier: your help-desk notifications on your desktop, live"
REQUIRES_PYTHON = ">=3.11"
LICENSE = "AGPL-3.0-or-later"
SCRIPTS = {"otklik-notifier": "otklik_notifier.cli:main"}
TAG = "py3-none-any"
# Zip's earliest time (1980-01-01): the same bytes whenever and wherever the wheel is built.
_STAMP = (1980, 1, 1, 0, 0, 0)
_SKIP_SUFFIXES = (".pyc", ".pyo")


@dataclass(frozen=True)
class Wheel:
    filename: str
    content: bytes
    sha256: str


def version() -> str:
    return str(otklik_notifier.__version__)


def filename() -> str:
    return f"{PACKAGE}-{version()}-{TAG}.whl"


def requirements() -> list[str]:
    """The notifier's dependencies as its requirements.txt lists them (comments and blanks left out)."""
    text = importlib.resources.files(PACKAGE).joinpath("requirements.txt").read_text(encoding="utf-8")
    lines = (line.split(" #", 1)[0].strip() for line in text.splitlines())
    return [line for line in lines if line and not line.startswith("#")]


def _files(root: Traversable, prefix: str) -> list[tuple[str, bytes]]:
    out: list[tuple[str, bytes]] = []
    for entry in root.iterdir():
        name = f"{prefix}/{entry.name}"
        if entry.is_dir():
            if entry.name != "__pycache__":
                out += _files(entry, name)
        elif not entry.name.endswith(_SKIP_SUFFIXES):
            out.append((name, entry.read_bytes()))
    return out


def _metadata() -> str:
    lines = [
        "Metadata-Version: 2.1",
        f"Name: {DIST_NAME}",
        f"Version: {version()}",
        f"Summary: {SUMMARY}",
        f"License: {LICENSE}",
        f"Requires-Python: {REQUIRES_PYTHON}",
        *(f"Requires-Dist: {r}" for r in requirements()),
    ]
    return "\n".join(lines) + "\n"


def _record_hash(data: bytes) -> str:
    return "sha256=" + base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode("ascii")


@functools.cache
def notifier_wheel() -> Wheel:
    """The wheel (cached for the process's life)."""
    dist_info = f"{PACKAGE}-{version()}.dist-info"
    files = sorted(_files(importlib.resources.files(PACKAGE), PACKAGE))
    scripts = "".join(f"{name} = {target}\n" for name, target in sorted(SCRIPTS.items()))
    files += [
        (f"{dist_info}/METADATA", _metadata().encode()),
        (f"{dist_info}/WHEEL", f"Wheel-Version: 1.0\nGenerator: otklik\nRoot-Is-Purelib: true\nTag: {TAG}\n".encode()),
        (f"{dist_info}/entry_points.txt", f"[console_scripts]\n{scripts}".encode()),
    ]
    record = "".join(f"{name},{_record_hash(data)},{len(data)}\n" for name, data in files)
    files.append((f"{dist_info}/RECORD", (record + f"{dist_info}/RECORD,,\n").encode()))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, data in files:
            info = zipfile.ZipInfo(name, date_time=_STAMP)
            info.external_attr = 0o644 << 16
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, data)
    content = buffer.getvalue()
    return Wheel(filename(), content, hashlib.sha256(content).hexdigest())
