"""The address of the person's computer, as limits per address need it (pairing, sign-in).

Behind a reverse proxy every request comes from the proxy's address, so a limit keyed on
REMOTE_ADDR would hold back everyone at once. When REMOTE_ADDR is one of TRUSTED_PROXIES
(`OTKLIK_TRUSTED_PROXIES`: IPs or CIDRs), the address is the right-most hop of X-Forwarded-For that
is not a trusted proxy itself: the hops to its left were written by the client and may be forged.
Without trusted proxies the header is ignored (anyone could send it).
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.http import HttpRequest

IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network
IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address


def parse_networks(values: Iterable[str]) -> list[IPNetwork]:
    """ "10.0.0.1", "10.0.0.0/8", "::1" → networks; anything else is a configuration error."""
    networks: list[IPNetwork] = []
    for value in values:
        try:
            networks.append(ipaddress.ip_network(value.strip(), strict=False))
        except ValueError as exc:
            raise ImproperlyConfigured(f"OTKLIK_TRUSTED_PROXIES: {value!r} is not an IP address or network") from exc
    return networks


def _ip(value: str) -> IPAddress | None:
    value = value.strip()
    if value.startswith("[") and "]" in value:  # "[::1]:443"
        value = value[1 : value.index("]")]
    elif value.count(":") == 1:  # "203.0.113.7:51234"
        value = value.split(":", 1)[0]
    try:
        ip = ipaddress.ip_address(value)
    except ValueError:
        return None
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        return ip.ipv4_mapped
    return ip


def client_address(request: HttpRequest) -> str | None:
    """The client's IP address (a string GenericIPAddressField stores), or None when unknown."""
    remote = _ip(request.META.get("REMOTE_ADDR") or "")
    if remote is None:
        return None
    trusted = parse_networks(getattr(settings, "TRUSTED_PROXIES", []))

    def is_trusted(ip: IPAddress) -> bool:
        return any(ip.version == net.version and ip in net for net in trusted)

    if not trusted or not is_trusted(remote):
        return str(remote)
    hops = [h for h in str(request.META.get("HTTP_X_FORWARDED_FOR") or "").split(",") if h.strip()]
    address = remote
    for hop in reversed(hops):
        ip = _ip(hop)
        if ip is None:  # garbage from the client or a proxy: trust nothing further left
            break
        address = ip
        if not is_trusted(ip):
            break
    return str(address)
