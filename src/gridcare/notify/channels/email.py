"""Email over SMTP (plain, STARTTLS or implicit TLS, with optional login)."""

from __future__ import annotations

import smtplib
import ssl
from email.message import EmailMessage
from email.utils import formatdate
from typing import Any

from gridcare.notify.channels import Outgoing, not_configured
from gridcare.outbox import DeliveryError


def build(message: Outgoing, *, sender: str) -> EmailMessage:
    mail = EmailMessage()
    mail["From"] = sender
    mail["To"] = message.target
    mail["Subject"] = message.subject or message.event
    mail["Date"] = formatdate(localtime=False)
    # A stable Message-ID lets the receiving side drop a copy a retry may send.
    mail["Message-ID"] = f"<{message.client_ref}@gridcare>"
    mail.set_content(message.body)
    return mail


def send(message: Outgoing, ctx: Any) -> str | None:
    s = ctx.settings
    if not s.smtp_host or not s.smtp_from:
        raise not_configured("email", "smtp_host", "smtp_from")
    if not message.target or "@" not in message.target:
        raise DeliveryError("no email address for the recipient", permanent=True)
    mail = build(message, sender=s.smtp_from)
    try:
        if s.smtp_ssl:
            client: smtplib.SMTP = smtplib.SMTP_SSL(s.smtp_host, s.smtp_port, timeout=s.smtp_timeout_seconds, context=ssl.create_default_context())
        else:
            client = smtplib.SMTP(s.smtp_host, s.smtp_port, timeout=s.smtp_timeout_seconds)
        with client:
            if s.smtp_starttls and not s.smtp_ssl:
                client.starttls(context=ssl.create_default_context())
            if s.smtp_user:
                client.login(s.smtp_user, s.smtp_password or "")
            client.send_message(mail)
    except smtplib.SMTPAuthenticationError as exc:
        raise DeliveryError(f"SMTP login refused: {exc.smtp_code}", permanent=True) from exc
    except smtplib.SMTPRecipientsRefused as exc:
        raise DeliveryError(f"SMTP refused the recipient {message.target}", permanent=True) from exc
    except smtplib.SMTPResponseException as exc:
        raise DeliveryError(f"SMTP error {exc.smtp_code}: {exc.smtp_error!r}", permanent=500 <= exc.smtp_code < 600) from exc
    except (smtplib.SMTPException, OSError) as exc:
        raise DeliveryError(f"SMTP server unreachable: {exc}") from exc
    return mail["Message-ID"]
