"""Message templates per event, locale and channel, and their rendering.

Templates ship as TOML files in ``notify/messages/`` (one file per event: a table per
locale, a sub-table per channel). An operator may override any of them with files of the
same name in ``GRIDCARE_NOTIFY_TEMPLATES_DIR``. Rendering is a pure function over a
sandboxed Jinja2 environment: template text is data an operator edits, so it must not
reach Python internals."""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from pathlib import Path
from typing import Any

from jinja2 import StrictUndefined, TemplateError, UndefinedError, pass_context
from jinja2.sandbox import SandboxedEnvironment

from gridcare.core import i18n
from gridcare.core.clock import to_local
from gridcare.core.i18n import T_

SHIPPED = Path(__file__).resolve().parent / "messages"
LOCALES = ("zh_CN", "en")
DEFAULT_LOCALE = "zh_CN"
# A channel with no template of its own says what another channel says.
FALLBACK_CHANNEL = {"voice": "sms", "email": "sms", "popup": "sms", "wecom": "sms"}


class TemplateProblem(ValueError):
    """A template is missing, malformed, or needs a value the context lacks."""


@dataclass(frozen=True)
class MessageTemplate:
    event: str
    locale: str
    channel: str
    subject: str
    body: str
    # Customer SMS end with their grid rep's name and phone (一短信一推广) unless this is off.
    signature: bool = True


@dataclass(frozen=True)
class Rendered:
    subject: str
    body: str


@dataclass(frozen=True)
class RepSignature:
    name: str
    phone: str


Catalog = Mapping[tuple[str, str, str], MessageTemplate]


def parse_template_file(event: str, text: str) -> dict[tuple[str, str, str], MessageTemplate]:
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise TemplateProblem(T_("%(where)s: %(error)s", where=event, error=str(exc))) from None
    found: dict[tuple[str, str, str], MessageTemplate] = {}
    for locale, channels in data.items():
        if locale not in LOCALES or not isinstance(channels, dict):
            raise TemplateProblem(T_("%(where)s: top-level tables must be locales (%(locales)s), got %(locale)r", where=event, locales=", ".join(LOCALES), locale=locale))
        for channel, spec in channels.items():
            if not isinstance(spec, dict) or not isinstance(spec.get("body"), str):
                raise TemplateProblem(T_("%(where)s: [%(table)s] needs a body", where=event, table=f"{locale}.{channel}"))
            found[(event, locale, channel)] = MessageTemplate(
                event=event,
                locale=locale,
                channel=channel,
                subject=str(spec.get("subject", "")),
                body=spec["body"].strip(),
                signature=bool(spec.get("signature", True)),
            )
    return found


# Templates other domains ship (field, contractors, alerts, planning …), loaded after notify's
# own and before the operator's overrides, so an operator can still reword every message.
_DOMAIN_DIRS: tuple[str, ...] = ()


def register_directory(directory: str | Path) -> None:
    """Add a domain's template directory (idempotent; called when the domain is imported)."""
    global _DOMAIN_DIRS
    path = str(directory)
    if path not in _DOMAIN_DIRS:
        _DOMAIN_DIRS = (*_DOMAIN_DIRS, path)


def domain_directories() -> tuple[str, ...]:
    return _DOMAIN_DIRS


@lru_cache(maxsize=8)
def load_catalog(extra_dirs: tuple[str, ...] = ()) -> dict[tuple[str, str, str], MessageTemplate]:
    """Shipped templates, overridden per (event, locale, channel) by files in ``extra_dirs``."""
    catalog: dict[tuple[str, str, str], MessageTemplate] = {}
    for directory in (str(SHIPPED), *extra_dirs):
        for path in sorted(Path(directory).glob("*.toml")):
            catalog.update(parse_template_file(path.stem, path.read_text(encoding="utf-8")))
    return catalog


def events(catalog: Catalog) -> list[str]:
    return sorted({event for event, _locale, _channel in catalog})


def find(catalog: Catalog, *, event: str, locale: str, channel: str) -> MessageTemplate:
    """The template for this event and channel in the recipient's language, falling back to
    the default language, then to the channel the channel falls back to."""
    for ch in (channel, FALLBACK_CHANNEL.get(channel)):
        for loc in (locale, DEFAULT_LOCALE):
            if ch is not None and (event, loc, ch) in catalog:
                found = catalog[(event, loc, ch)]
                return found if ch == channel else MessageTemplate(event, found.locale, channel, found.subject, found.body, found.signature)
    raise TemplateProblem(T_("no template for event %(event)r on channel %(channel)r", event=event, channel=channel))


def _localtime(value: Any, fmt: str = "%m-%d %H:%M") -> str:
    if isinstance(value, datetime):
        return to_local(value).strftime(fmt)
    if isinstance(value, str) and value:
        try:
            return to_local(datetime.fromisoformat(value)).strftime(fmt)
        except ValueError:
            return value
    return "" if value is None else str(value)


@pass_context
def _translated(context: Any, value: Any) -> Any:
    """A label from a rules module (``N_("Tank cleaning")``) in the message's language: a
    customer reading a Chinese SMS must not meet an English work type in it."""
    return i18n.translations(context.get(_LOCALE, i18n.DEFAULT)).gettext(value) if isinstance(value, str) and value else value


@pass_context
def _localized(context: Any, value: Any) -> Any:
    """From a text written in every language (``{"zh_CN": …, "en": …}``, an alert's title),
    the one in the message's language."""
    if not isinstance(value, Mapping):
        return value
    return value.get(context.get(_LOCALE, i18n.DEFAULT)) or value.get(i18n.DEFAULT) or ""


_LOCALE = "_message_locale"  # set by render: the language of the template being filled
_env = SandboxedEnvironment(undefined=StrictUndefined, autoescape=False, keep_trailing_newline=False)
_env.filters["localtime"] = _localtime
_env.filters["translated"] = _translated
_env.filters["localized"] = _localized


@lru_cache(maxsize=512)
def _compiled(source: str):  # noqa: ANN202 - a jinja2 Template
    return _env.from_string(source)


def signature_text(locale: str, rep: RepSignature) -> str:
    if locale == "en":
        return f"【Your grid rep: {rep.name} {rep.phone}】"
    return f"【您的网格客户经理：{rep.name} {rep.phone}】"


def render(template: MessageTemplate, context: Mapping[str, Any], *, signature: RepSignature | None = None) -> Rendered:
    """Fill the template; ``signature`` (a customer SMS's grid rep) is appended unless the
    template opts out. A value the template needs and the context lacks is an error."""
    try:
        values = {**context, _LOCALE: template.locale}
        subject = _compiled(template.subject).render(values).strip() if template.subject else ""
        body = _compiled(template.body).render(values).strip()
    except UndefinedError as exc:
        raise TemplateProblem(T_("%(where)s: the context lacks a value: %(error)s", where=f"{template.event}/{template.channel}", error=exc.message)) from None
    except TemplateError as exc:
        raise TemplateProblem(T_("%(where)s: %(error)s", where=f"{template.event}/{template.channel}", error=str(exc))) from None
    if signature is not None and template.signature and signature.name:
        body = body + signature_text(template.locale, signature)
    return Rendered(subject=subject, body=body)


def check_catalog(catalog: Catalog, samples: Mapping[str, Mapping[str, Any]]) -> list[str]:
    """Problems rendering every template with its event's sample context (for start-up
    checks of operator overrides, and tests)."""
    problems = []
    for (event, _locale, _channel), template in sorted(catalog.items()):
        try:
            render(template, samples.get(event, {}))
        except TemplateProblem as exc:
            problems.append(exc.args[0])
    return problems
