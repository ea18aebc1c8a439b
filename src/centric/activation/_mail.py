"""E-mail delivery: MIME building (UTF-8, RFC 2047 subject, List-Unsubscribe) and SMTP transports.

SMTP settings come from the environment (the faces call :meth:`SMTPConfig.from_env`):

==========================  ==========================================================  ============
variable                    meaning                                                     default
==========================  ==========================================================  ============
``CENTRIC_SMTP_HOST``       SMTP server                                                 ``127.0.0.1``
``CENTRIC_SMTP_PORT``       port                                                        25 / 587 / 465
``CENTRIC_SMTP_SECURITY``   ``plain``, ``starttls`` or ``tls`` (implicit TLS)            ``starttls``
``CENTRIC_SMTP_USER``       login user (no login when empty)                            —
``CENTRIC_SMTP_PASSWORD``   login password                                              —
``CENTRIC_SMTP_FROM``       From address, e.g. ``Shop Hoa <hello@shophoa.vn>``          ``centric@localhost``
``CENTRIC_SMTP_TIMEOUT``    seconds per SMTP operation                                  ``20``
``CENTRIC_BASE_URL``        public URL of ``centric serve`` for links and tracking      ``http://127.0.0.1:8000``
``CENTRIC_BRAND``           brand name shown in e-mails                                 ``Centric``
==========================  ==========================================================  ============
"""

from __future__ import annotations

import email.policy
import os
import smtplib
import ssl
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from typing import Protocol

from centric.exceptions import ConfigError

__all__ = [
    "EmailTransport",
    "MemoryTransport",
    "SMTPConfig",
    "SMTPTransport",
    "build_message",
    "deliver",
]

SECURITY = ("plain", "starttls", "tls")
#: RFC 5322 allows 998 characters a line: long ASCII headers (List-Unsubscribe) stay unencoded
_POLICY = email.policy.SMTP.clone(max_line_length=998)
_DEFAULT_PORT = {"plain": 25, "starttls": 587, "tls": 465}


@dataclass(frozen=True)
class SMTPConfig:
    """How to reach the SMTP server."""

    host: str = "127.0.0.1"
    port: int = 25
    security: str = "plain"
    user: str = ""
    password: str = field(default="", repr=False)
    sender: str = "centric@localhost"
    timeout: float = 20.0
    base_url: str = "http://127.0.0.1:8000"
    brand: str = "Centric"

    @classmethod
    def from_env(cls, env: dict[str, str] | None = None) -> SMTPConfig:
        """Read ``CENTRIC_SMTP_*``, ``CENTRIC_BASE_URL`` and ``CENTRIC_BRAND``."""
        e = os.environ if env is None else env
        security = e.get("CENTRIC_SMTP_SECURITY", "starttls").strip().lower()
        if security not in SECURITY:
            raise ConfigError(f"CENTRIC_SMTP_SECURITY must be one of {list(SECURITY)}; got {security!r}.")
        port_text = e.get("CENTRIC_SMTP_PORT", "") or str(_DEFAULT_PORT[security])
        try:
            port = int(port_text)
        except ValueError:
            raise ConfigError(f"CENTRIC_SMTP_PORT must be a port number; got {port_text!r}.") from None
        return cls(
            host=e.get("CENTRIC_SMTP_HOST", "127.0.0.1"),
            port=port,
            security=security,
            user=e.get("CENTRIC_SMTP_USER", ""),
            password=e.get("CENTRIC_SMTP_PASSWORD", ""),
            sender=e.get("CENTRIC_SMTP_FROM", "centric@localhost"),
            timeout=float(e.get("CENTRIC_SMTP_TIMEOUT", "20")),
            base_url=e.get("CENTRIC_BASE_URL", "http://127.0.0.1:8000").rstrip("/"),
            brand=e.get("CENTRIC_BRAND", "Centric"),
        )


class EmailTransport(Protocol):
    """Anything that can send one :class:`EmailMessage` (raises on failure)."""

    def send(self, msg: EmailMessage) -> None: ...


class MemoryTransport:
    """Keeps messages in ``self.sent`` (for tests and dry runs); ``fail`` makes the next n sends fail."""

    def __init__(self, *, fail: int = 0) -> None:
        self.sent: list[EmailMessage] = []
        self.fail = fail

    def send(self, msg: EmailMessage) -> None:
        if self.fail > 0:
            self.fail -= 1
            raise smtplib.SMTPServerDisconnected("simulated failure")
        self.sent.append(msg)

    def close(self) -> None:
        """Nothing to release."""


class SMTPTransport:
    """SMTP over plain TCP, STARTTLS or implicit TLS; one connection reused across sends."""

    def __init__(self, config: SMTPConfig, *, context: ssl.SSLContext | None = None) -> None:
        self.config = config
        self.context = context or ssl.create_default_context()
        self._conn: smtplib.SMTP | None = None

    def _connect(self) -> smtplib.SMTP:
        c = self.config
        conn: smtplib.SMTP
        if c.security == "tls":
            conn = smtplib.SMTP_SSL(c.host, c.port, timeout=c.timeout, context=self.context)
        else:
            conn = smtplib.SMTP(c.host, c.port, timeout=c.timeout)
            if c.security == "starttls":
                conn.starttls(context=self.context)
        if c.user:
            conn.login(c.user, c.password)
        return conn

    def send(self, msg: EmailMessage) -> None:
        if self._conn is None:
            self._conn = self._connect()
        try:
            self._conn.send_message(msg)
        except (smtplib.SMTPServerDisconnected, OSError):
            self.close()
            raise

    def close(self) -> None:
        """Say QUIT and drop the connection."""
        if self._conn is not None:
            try:
                self._conn.quit()
            except (smtplib.SMTPException, OSError):
                pass
            self._conn = None


def build_message(
    *, sender: str, to: str, subject: str, text: str, html: str, unsubscribe_url: str, message_id: str
) -> EmailMessage:
    """A multipart/alternative UTF-8 message with List-Unsubscribe and an X-Centric-Message id."""
    msg = EmailMessage(policy=_POLICY)
    msg["From"] = sender
    msg["To"] = Address(addr_spec=to) if "<" not in to else to
    msg["Subject"] = subject
    msg["Date"] = formatdate(localtime=False)
    domain = sender.rpartition("@")[2].rstrip(">") or "localhost"
    msg["Message-ID"] = make_msgid(idstring=message_id, domain=domain)
    msg["List-Unsubscribe"] = f"<{unsubscribe_url}>"
    msg["X-Centric-Message"] = message_id
    msg.set_content(text, charset="utf-8")
    msg.add_alternative(html, subtype="html", charset="utf-8")
    return msg


def _permanent(exc: BaseException) -> bool:
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        return True
    code = getattr(exc, "smtp_code", None)
    return isinstance(code, int) and 500 <= code < 600


def deliver(
    transport: EmailTransport,
    msg: EmailMessage,
    *,
    attempts: int = 3,
    backoff: float = 0.5,
    sleep: Callable[[float], None] = time.sleep,
) -> tuple[bool, str]:
    """Send with retries (exponential backoff: backoff, 2·backoff, …); permanent 5xx errors are not retried.

    Returns ``(ok, detail)`` where detail names the last error.
    """
    last = ""
    for i in range(max(1, attempts)):
        try:
            transport.send(msg)
            return True, f"sent after {i + 1} attempt(s)"
        except (smtplib.SMTPException, OSError) as exc:
            last = f"{type(exc).__name__}: {exc}"
            if _permanent(exc) or i == attempts - 1:
                break
            sleep(backoff * (2**i))
    return False, last[:500]
