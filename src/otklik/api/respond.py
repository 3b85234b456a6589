"""JSON answers from dicts the serializers already built.

Endpoints keep their `response=` schemas for the OpenAPI document, but answer through here:
validating our own freshly built output again with pydantic cost a quarter of a list request.
The tests check the shapes against the schemas instead (tests/test_api_schemas.py).
"""

from __future__ import annotations

import json

from django.http import HttpResponse
from ninja.responses import NinjaJSONEncoder

from otklik.core.jsonvalue import JsonValue


def respond(data: JsonValue, status: int = 200) -> HttpResponse:
    body = json.dumps(data, cls=NinjaJSONEncoder, ensure_ascii=False)
    return HttpResponse(body, status=status, content_type="application/json; charset=utf-8")
