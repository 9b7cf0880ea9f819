"""An alert's title in a reader's language, from the facts stored with it.

The stored title is the Chinese one (the API's, the audit's); pages and notifications write
it again in their reader's language, so a supervisor who reads English does not get a
Chinese sentence in an English message. ``_`` is a translator (``core.i18n.translator``)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from gridcare.core.i18n import N_

Translate = Callable[..., str]
SEVERITY_LABELS = {"critical": N_("Critical"), "warning": N_("Warning")}
KIND_LABELS = {"spike": N_("Unusual volume"), "sensitive": N_("Repeat complainer"), "repeat_repairs": N_("Repeated repairs"), "repeat_calls": N_("Repeat calls"), "topic": N_("Hot topic")}


def alert_title(kind: str, evidence: Mapping[str, Any] | None, stored: str, _: Translate) -> str:
    """An alert raised before its facts were kept (no ``title_args``) keeps its stored title."""
    facts = evidence or {}
    args = facts.get("title_args")
    if not args:
        return stored
    if kind == "spike":
        category = f"category.{args['category']}"  # the labels the order pages use
        return _("%(grid)s %(when)s: %(category)s orders up to %(n)s (expected %(expected)s)", grid=args["grid"], when=args["when"], n=args["observed"], category=_(category), expected=args["expected"])
    if kind == "sensitive":
        return _("Customer %(who)s complained %(n)s times in %(days)s days: tag as sensitive?", who=args["who"], n=facts["complaints"], days=facts["days"])
    if kind == "topic":
        return _("Hot topic: “%(phrase)s” in %(n)s orders in %(hours)s hours (expected %(expected)s)", phrase=args["phrase"], n=args["n"], hours=args["hours"], expected=args["expected"])
    if kind == "repeat_repairs":
        return _("Device %(device)s: %(n)s repair orders in %(days)s days, customers: %(customers)s", device=args["device"], n=facts["repairs"], days=facts["days"], customers=facts["customers"])
    return _("%(grid)s: repeat-call rate %(rate)s over the last %(days)s days (before: %(past)s)", grid=args["grid"], rate=args["rate"], days=facts["days"], past=args["past"])


def titles_by_language(kind: str, evidence: Mapping[str, Any] | None, stored: str, translators: Mapping[str, Translate]) -> dict[str, str]:
    """The title in every language a message may be written in (a notification's context)."""
    return {locale: alert_title(kind, evidence, stored, _) for locale, _ in translators.items()}
