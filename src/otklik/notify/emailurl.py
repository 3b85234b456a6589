"""`OTKLIK_EMAIL_URL` → Django's EMAIL_* settings. Pure: read once by settings.py at start, so a bad
URL stops the process at once instead of failing every e-mail later.

Forms: `smtp://user:pass@host:port` (plain), `smtp+tls://` (STARTTLS), `smtp+ssl://` (implicit TLS),
`console://` (for development: one line per message on stdout, its addressees and subject).
User and password are percent-decoded.
Error messages name the variable and the bad part, never the password.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import unquote, urlsplit

from django.core.exceptions import ImproperlyConfigured

from otklik.core.refs import as_id

SMTP_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
# One line per message (to, subject), not the raw MIME text: see notify/console.py.
CONSOLE_BACKEND = "otklik.notify.console.EmailBackend"
# scheme → (STARTTLS, implicit TLS, default port)
_SMTP_SCHEMES = {"smtp": (False, False, 25), "smtp+tls": (True, False, 587), "smtp+ssl": (False, True, 465)}
_FORMS = "smtp://user:password@host:port, smtp+tls://…, smtp+ssl://… or console://"


def _secrets(url: str) -> list[str]:
    """Whatever could be the password (the userinfo after its first colon), raw and decoded, so no
    message can repeat it, even when the URL is so broken that the parser splits it elsewhere."""
    _, _, rest = url.partition("://")
    userinfo = rest.rpartition("@")[0]
    password = userinfo.partition(":")[2]
    return [s for s in {password, unquote(password)} if s]


def _bad(url: str, problem: str) -> ImproperlyConfigured:
    message = f"OTKLIK_EMAIL_URL: {problem}"
    for secret in sorted(_secrets(url), key=len, reverse=True):
        message = message.replace(secret, "***")
    return ImproperlyConfigured(message)


def parse_email_url(url: str) -> dict[str, Any]:
    """The EMAIL_* settings for `url`; raises ImproperlyConfigured naming the bad part."""
    url = url.strip()
    scheme, sep, _ = url.partition("://")
    scheme = scheme.lower()
    if not sep:
        raise _bad(url, f"not a URL; expected {_FORMS}")
    if scheme == "console":
        if url[len(scheme) + 3 :].strip("/"):
            raise _bad(url, "console:// takes no host or options")
        return {
            "EMAIL_BACKEND": CONSOLE_BACKEND,
            "EMAIL_HOST": "localhost",
            "EMAIL_PORT": 25,
            "EMAIL_HOST_USER": "",
            "EMAIL_HOST_PASSWORD": "",
            "EMAIL_USE_TLS": False,
            "EMAIL_USE_SSL": False,
        }
    if scheme not in _SMTP_SCHEMES:
        raise _bad(url, f"unknown scheme {scheme!r}; expected {_FORMS}")
    use_tls, use_ssl, default_port = _SMTP_SCHEMES[scheme]

    parts = urlsplit(url)
    # An unencoded "/", "?" or "#" in the password moves the rest of the URL out of the host part.
    if "@" in parts.path + parts.query + parts.fragment:
        raise _bad(url, "percent-encode '/', '?' and '#' in the user name or password (e.g. %2F, %3F, %23)")
    if parts.path not in ("", "/") or parts.query or parts.fragment:
        raise _bad(url, "only smtp://user:password@host:port is understood: no path or options")
    userinfo, _, hostport = parts.netloc.rpartition("@")
    host = parts.hostname or ""
    if not host:
        raise _bad(url, f"no host; expected {_FORMS}")
    after_host = hostport.rpartition("]")[2]  # past an IPv6 literal's brackets
    port_text = after_host.rpartition(":")[2] if ":" in after_host else ""
    if port_text:
        number = as_id(port_text)  # ASCII digits only: "²" and "١٢" are digits to isdigit()
        if number is None or not 1 <= number <= 65535:
            raise _bad(url, f"the port {port_text!r} is not a number from 1 to 65535")
        port = number
    else:
        port = default_port
    user, _, password = userinfo.partition(":")
    return {
        "EMAIL_BACKEND": SMTP_BACKEND,
        "EMAIL_HOST": host,
        "EMAIL_PORT": port,
        "EMAIL_HOST_USER": unquote(user),
        "EMAIL_HOST_PASSWORD": unquote(password),
        "EMAIL_USE_TLS": use_tls,
        "EMAIL_USE_SSL": use_ssl,
    }


def parse_email_timeout(value: str, default: float = 10.0) -> float:
    """`OTKLIK_EMAIL_TIMEOUT`: seconds for connecting to and talking with the SMTP server."""
    if not value.strip():
        return default
    try:
        seconds = float(value)
    except ValueError:
        seconds = 0.0
    if not 0 < seconds <= 600:
        raise ImproperlyConfigured(f"OTKLIK_EMAIL_TIMEOUT: {value!r} is not a number of seconds from 0 to 600")
    return seconds
