"""Who is asking, for rate limits and logs: the client's address, grouped the way addresses are handed out.

An IPv4 address is one subscriber's (or one NAT's). An IPv6 subscriber gets at least a /64 and may use any of its
2^64 addresses, so a limit keyed on the full IPv6 address is no limit at all: IPv6 addresses are keyed by their
/64 prefix. Keys are HMACs under SECRET_KEY, so buckets and logs never hold the address itself.
"""

import hashlib
import hmac
import ipaddress

from django.conf import settings


def client_ip(request) -> str:
    """The client address; behind a trusted proxy, the last hop it appended to X-Forwarded-For."""
    if getattr(settings, "TRUST_X_FORWARDED_FOR", False):
        forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
        if forwarded:
            return forwarded.split(",")[-1].strip()
    return request.META.get("REMOTE_ADDR", "")


def address_group(ip: str) -> str:
    """The unit a limit counts: an IPv4 address itself, an IPv6 address's /64 (an IPv4-mapped IPv6 address is
    its IPv4 address); text that is not an address is kept as it is."""
    try:
        address = ipaddress.ip_address(ip.strip().split("%")[0])
    except ValueError:
        return ip
    if address.version == 6:
        if address.ipv4_mapped is not None:
            return str(address.ipv4_mapped)
        return str(ipaddress.ip_network(f"{address}/64", strict=False))
    return str(address)


def address_key(ip: str) -> str:
    """A keyed hash of the address's group (``address_group``)."""
    return hmac.new(settings.SECRET_KEY.encode(), address_group(ip).encode(), hashlib.sha256).hexdigest()[:32]
