from __future__ import annotations

from ninja import Router

from otklik.accounts.http import AuthedRequest
from otklik.catalog.selectors import catalog_snapshot

router = Router(tags=["catalog"])


@router.get("/catalog")
def catalog(request: AuthedRequest) -> dict:
    """Request types with their routes (points, transitions) and form fields, priorities, categories."""
    return catalog_snapshot()
