"""Normalised, SHA-256-hashed contact lists for ad platforms (Meta Custom Audiences, Google Customer Match).

The platforms match hashed identifiers, so the text must be normalised exactly as they do before
hashing (hex-encoded SHA-256 of the UTF-8 bytes):

==========  =========================================  ===============================================
platform    e-mail                                     phone
==========  =========================================  ===============================================
Meta        trim, lower-case                           digits only with the country code, no ``+``,
                                                       no leading zeros: ``0912 345 678`` → ``84912345678``
Google      trim, lower-case; for ``gmail.com`` and    E.164 with ``+``: ``0912 345 678`` → ``+84912345678``
            ``googlemail.com`` remove every ``.`` in
            the local part (Google's rule; a ``+tag``
            is kept, Google does not ask to drop it)
==========  =========================================  ===============================================

Vietnamese numbers are read with :func:`centric.ingest.normalise_phone` (``0xx``, ``84xx``, ``+84``).
"""

from __future__ import annotations

import hashlib

from centric.exceptions import InvalidParameterError
from centric.ingest._normalise import normalise_phone

__all__ = ["PLATFORMS", "hash_email", "hash_phone", "normalise_email_for", "normalise_phone_for", "sha256_hex"]

PLATFORMS = ("meta", "google")
_GMAIL = ("gmail.com", "googlemail.com")


def _platform(platform: str) -> str:
    if platform not in PLATFORMS:
        raise InvalidParameterError(
            f"The 'platform' parameter must be one of {list(PLATFORMS)}. Got {platform!r} instead."
        )
    return platform


def sha256_hex(text: str) -> str:
    """Hex SHA-256 of the UTF-8 bytes of ``text``."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def normalise_email_for(email: str | None, platform: str) -> str | None:
    """The e-mail as ``platform`` wants it before hashing; None when it is not an address."""
    _platform(platform)
    if email is None:
        return None
    text = str(email).strip().lower()
    local, at, domain = text.rpartition("@")
    if not at or not local or "." not in domain:
        return None
    if platform == "google" and domain in _GMAIL:
        local = local.replace(".", "")
    return f"{local}@{domain}"


def normalise_phone_for(phone: str | None, platform: str) -> str | None:
    """The phone as ``platform`` wants it before hashing; None when it is not a phone number."""
    _platform(platform)
    if phone is None:
        return None
    e164, _problem = normalise_phone(phone)
    if e164 is None:
        return None
    return e164 if platform == "google" else e164.lstrip("+")


def hash_email(email: str | None, platform: str) -> str | None:
    """SHA-256 of the platform-normalised e-mail (None when there is no valid address)."""
    norm = normalise_email_for(email, platform)
    return None if norm is None else sha256_hex(norm)


def hash_phone(phone: str | None, platform: str) -> str | None:
    """SHA-256 of the platform-normalised phone (None when there is no valid number)."""
    norm = normalise_phone_for(phone, platform)
    return None if norm is None else sha256_hex(norm)
