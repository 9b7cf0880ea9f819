"""SMS over SMPP 3.4 (the protocol of operators' SMS centres), with ``smpplib``.

One short session per message: connect, bind as transmitter, submit each part, unbind.
Long or non-GSM text (Chinese) goes as UCS-2 in concatenated parts. SMPP has no field a
centre dedupes on, so a submit whose answer was lost may be sent again on retry."""

from __future__ import annotations

import logging
from typing import Any

from gridcare.notify.channels import Outgoing, not_configured
from gridcare.outbox import DeliveryError

log = logging.getLogger(__name__)


def submit_parts(body: str) -> tuple[list[bytes], int, int]:
    """The encoded parts, the data coding and the ESM class for ``body``."""
    from smpplib import gsm

    parts, data_coding, esm_class = gsm.make_parts(body)
    return list(parts), data_coding, esm_class


def send(message: Outgoing, ctx: Any) -> str | None:
    import smpplib.client
    import smpplib.consts as c
    import smpplib.exceptions

    s = ctx.settings
    if not s.smpp_host or not s.smpp_system_id:
        raise not_configured("sms (SMPP)", "smpp_host", "smpp_system_id", "smpp_password")
    if not message.target:
        raise DeliveryError("no mobile number for the recipient", permanent=True)
    parts, data_coding, esm_class = submit_parts(message.body)
    client = smpplib.client.Client(s.smpp_host, s.smpp_port, timeout=s.smpp_timeout_seconds, allow_unknown_opt_params=True, logger_name="gridcare.smpp")
    ids: list[str] = []
    try:
        client.connect()
        try:
            client.bind_transmitter(system_id=s.smpp_system_id, password=s.smpp_password or "", system_type=s.smpp_system_type)
        except smpplib.exceptions.PDUError as exc:
            raise DeliveryError(f"SMPP bind refused: {exc.args[0]}", permanent=True) from exc
        for part in parts:
            client.send_message(
                source_addr_ton=c.SMPP_TON_ALNUM if s.smpp_source_addr and not s.smpp_source_addr.isdigit() else c.SMPP_TON_INTL,
                source_addr_npi=c.SMPP_NPI_ISDN,
                source_addr=s.smpp_source_addr,
                dest_addr_ton=c.SMPP_TON_INTL,
                dest_addr_npi=c.SMPP_NPI_ISDN,
                destination_addr=message.target.lstrip("+"),
                short_message=part,
                data_coding=data_coding,
                esm_class=esm_class,
                registered_delivery=True,
            )
            answer = client.read_pdu()
            if answer.is_error():
                # Throttling (0x58) and "system error" (0x08) pass; the rest is the message's fault.
                transient = int(answer.status) in (c.SMPP_ESME_RTHROTTLED, c.SMPP_ESME_RSYSERR, c.SMPP_ESME_RMSGQFUL)
                raise DeliveryError(f"SMPP submit refused: status {int(answer.status):#x}", permanent=not transient)
            found = getattr(answer, "message_id", None)
            if found:
                ids.append(found.decode() if isinstance(found, bytes) else str(found))
        try:
            client.unbind()
        except (smpplib.exceptions.PDUError, smpplib.exceptions.ConnectionError, OSError):
            log.info("SMPP unbind failed after the submit; ignored")
    except DeliveryError:
        raise
    except (smpplib.exceptions.ConnectionError, smpplib.exceptions.PDUError, OSError) as exc:
        raise DeliveryError(f"SMPP centre unreachable: {exc}") from exc
    finally:
        client.disconnect()
    return ",".join(ids) or None
