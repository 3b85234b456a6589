"""The one name for a value that really is arbitrary JSON: a JSONField's content (form field
answers, a log record's old and new value, a notification's context, a carrier's settings), a decoded
request body, what the API and the report answer (before encoding, where a date or a datetime may
still stand for its ISO text), and the plain values a notification template sees.

It is `Any`, said once: the shapes come from people, other systems or the configuration, and the
code narrows them where it reads them (`isinstance`, `.get`). A recursive union (`str | int | float
| bool | None | list[...] | dict[str, ...]`) would turn every such read into a cast without checking
anything more. Other values have their real types (ruff's ANN401 refuses a bare `Any` annotation).
"""

from __future__ import annotations

from typing import Any, TypeAlias

JsonValue: TypeAlias = Any
