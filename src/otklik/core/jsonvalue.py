"""The one name for a value that really is arbitrary JSON: a JSONField's content, a decoded request
body, a log record's old and new value, a template context of plain values.

It is `Any`, said once: the shapes come from people (form field answers, an integration's payload)
or from the configuration, and the code narrows them where it reads them (`isinstance`, `.get`).
A recursive union (`str | int | float | bool | None | list[...] | dict[str, ...]`) would make
every such read a cast without checking anything more. Everywhere else a value has its real type.
"""

from __future__ import annotations

from typing import Any, TypeAlias

JsonValue: TypeAlias = Any
