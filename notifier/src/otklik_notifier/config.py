"""Where the notifier keeps its pairing: the server's address, the token (it may only read the
person's notifications) and whose it is, in the user's configuration directory, readable by the
user alone (0600 in a 0700 folder; on Windows the profile folder is the user's own)."""

from __future__ import annotations

import json
import os
import sys
from dataclasses import asdict, dataclass
from pathlib import Path

APP = "otklik-notifier"


def config_dir() -> Path:
    if sys.platform == "win32":
        return Path(os.environ.get("APPDATA") or Path.home() / "AppData" / "Roaming") / APP
    if sys.platform == "darwin":
        return Path.home() / "Library" / "Application Support" / APP
    return Path(os.environ.get("XDG_CONFIG_HOME") or Path.home() / ".config") / APP


def default_path() -> Path:
    named = os.environ.get("OTKLIK_NOTIFIER_CONFIG")
    return Path(named) if named else config_dir() / "config.json"


@dataclass
class Pairing:
    url: str
    token: str
    username: str
    name: str
    time_zone: str


def save(path: Path, pairing: Pairing) -> None:
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        json.dump(asdict(pairing), f, ensure_ascii=False, indent=2)
    os.chmod(tmp, 0o600)  # whatever the umask said
    os.replace(tmp, path)


def load(path: Path) -> Pairing | None:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        return Pairing(**{k: str(data[k]) for k in ("url", "token", "username", "name", "time_zone")})
    except FileNotFoundError:
        return None
    except (ValueError, KeyError, TypeError) as exc:
        raise SystemExit(f"{path} is damaged ({exc!r}): remove it and pair again") from None


def forget(path: Path) -> bool:
    try:
        path.unlink()
    except FileNotFoundError:
        return False
    return True
