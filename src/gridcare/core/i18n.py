"""Translations from the Babel catalogs in ``web/locale``.

Catalogs are read from their ``.po`` source when first needed and compiled in memory, so the
tree holds no generated ``.mo`` files and an edited catalog needs no build step."""

from __future__ import annotations

import io
import re
from collections.abc import Callable, Mapping, Sequence
from functools import lru_cache
from pathlib import Path
from typing import Any, Self

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import NullTranslations, Translations

LOCALE_DIR = Path(__file__).resolve().parent.parent / "web" / "locale"
SUPPORTED = ("zh_CN", "en")
DEFAULT = "zh_CN"


@lru_cache(maxsize=8)
def translations(locale: str) -> NullTranslations:
    po = LOCALE_DIR / locale / "LC_MESSAGES" / "messages.po"
    if not po.exists():
        return NullTranslations()
    with po.open("rb") as handle:
        catalog = read_po(handle, locale=locale)
    buffer = io.BytesIO()
    write_mo(buffer, catalog)
    buffer.seek(0)
    return Translations(fp=buffer)


def negotiate(accept_language: str | None, default: str = DEFAULT) -> str:
    """Pick zh_CN or en from an Accept-Language header; our users' default is Chinese."""
    if not accept_language:
        return default
    weighted: list[tuple[float, str]] = []
    for part in accept_language.split(","):
        tag, _, q = part.strip().partition(";q=")
        try:
            weight = float(q) if q else 1.0
        except ValueError:
            weight = 0.0
        weighted.append((weight, tag.strip().lower()))
    for _weight, tag in sorted(weighted, key=lambda pair: -pair[0]):
        if tag.startswith("zh"):
            return "zh_CN"
        if tag.startswith("en"):
            return "en"
    return default


def translator(locale: str) -> Callable[..., str]:
    """The ``_(message, **values)`` of pages, reports and messages in ``locale``; a
    :class:`Text` is shown with its own values."""
    catalog = translations(locale)

    def _(message: str, **values: Any) -> str:
        if isinstance(message, Text):
            return message.in_language(locale)
        text = catalog.gettext(message)
        return text % {key: in_language(value, locale) for key, value in values.items()} if values else text

    return _


def N_(message: str) -> str:
    """Marks a message for extraction where it is defined; it is translated where shown."""
    return message


class Text(str):
    """A message raised deep in a service, before anyone knows who will read it. The string
    itself is the English text, so logs, the CLI and code that compares or slices it see a
    plain ``str``; a page or an API answer shows it in its reader's language with
    :meth:`in_language`. Values that are themselves :class:`Text` are translated too."""

    msgid: str
    values: dict[str, Any]

    def __new__(cls, msgid: str, values: dict[str, Any] | None = None) -> Self:
        values = values or {}
        text = super().__new__(cls, msgid % values if values else msgid)
        text.msgid, text.values = msgid, values
        return text

    def __reduce__(self) -> tuple[Any, ...]:
        return (type(self), (self.msgid, self.values))

    def in_language(self, locale: str) -> str:
        values = {key: in_language(value, locale) for key, value in self.values.items()}
        text = translations(locale).gettext(self.msgid)
        return text % values if values else text


class Joined(Text):
    """Several messages shown as one line (``a; b``), each in the reader's language."""

    def __new__(cls, parts: list[str], separator: str = "; ") -> Self:
        text = str.__new__(cls, separator.join(parts))
        text.msgid, text.values = str(text), {}
        text.parts, text.separator = list(parts), separator
        return text

    def __reduce__(self) -> tuple[Any, ...]:
        return (type(self), (self.parts, self.separator))

    def in_language(self, locale: str) -> str:
        separator = _CHINESE_SEPARATORS.get(self.separator, self.separator) if locale.startswith("zh") else self.separator
        return separator.join(in_language(part, locale) for part in self.parts)


# Chinese punctuation between the parts of a line: 必须在 1 到 2 之间；消火栓、阀门
_CHINESE_SEPARATORS = {"; ": "；", ", ": "、"}


class Label(Text):
    """A code inside a message (a status, a role, a utility): the code itself in English, its
    label (``status.closed`` → 已关闭) where the catalog has one."""

    def __new__(cls, prefix: str, code: str, *, msgid: str | None = None) -> Self:
        text = str.__new__(cls, code)
        text.msgid, text.values, text.prefix = msgid or f"{prefix}.{code}", {}, prefix
        return text

    def __reduce__(self) -> tuple[Any, ...]:
        return (_label, (self.prefix, str(self), self.msgid))

    def in_language(self, locale: str) -> str:
        # English keeps the code: it is what the API and its English readers name things by.
        label = self.msgid if locale == "en" else translations(locale).gettext(self.msgid)
        return str(self) if label == self.msgid else label


def _label(prefix: str, code: str, msgid: str) -> Label:
    return Label(prefix, code, msgid=msgid)


def read_out(text: str | None, gettext: Callable[..., str], patterns: Sequence[tuple[re.Pattern[str], str]], shown: Mapping[str, Callable[[str], str]] | None = None) -> str:
    """A text stored in English (a dispatch reason, a gateway's error) in the reader's
    language: the first of ``patterns`` that matches it gives the message, its named groups
    the values, each shown through ``shown[name]`` when given (a code by its label). Anything
    else, e.g. free text a supervisor typed, is shown as stored."""
    if not text:
        return ""
    for pattern, message in patterns:
        found = pattern.match(text)
        if found:
            values = {name: shown[name](value) if shown and name in shown else value for name, value in found.groupdict().items()}
            return gettext(message, **values)
    return text


def T_(message: str, **values: Any) -> Text:
    """A message with its values, translated where it is shown: ``T_("no plan %(id)s", id=7)``.
    Extraction finds ``message``; write values as ``%(name)s``."""
    return Text(message, values)


def as_stored(message: Any) -> Any:
    """``message`` as JSON that :func:`restored` turns back into it: a text a job records
    today (why a campaign failed) is shown in each reader's language later."""
    if isinstance(message, Label):
        return {"label": [message.prefix, str(message), message.msgid]}
    if isinstance(message, Joined):
        return {"joined": [as_stored(part) for part in message.parts], "separator": message.separator}
    if isinstance(message, Text):
        return {"msgid": message.msgid, "values": {key: as_stored(value) for key, value in message.values.items()}}
    return message if message is None or isinstance(message, str | int | float | bool) else str(message)


def restored(data: Any, fallback: str = "") -> Any:
    """What :func:`as_stored` kept, as the text it was; ``fallback`` (the stored English) when
    there is nothing, or it no longer formats (a value stored as a string for ``%d``)."""
    if not isinstance(data, dict):
        return data if isinstance(data, str) and data else fallback
    try:
        if "label" in data:
            prefix, code, msgid = data["label"]
            return Label(prefix, code, msgid=msgid)
        if "joined" in data:
            return Joined([restored(part) for part in data["joined"]], data.get("separator", "; "))
        return Text(data["msgid"], {key: restored(value, value) for key, value in data.get("values", {}).items()})
    except (KeyError, TypeError, ValueError):
        return fallback


def in_language(message: Any, locale: str) -> Any:
    """``message`` in ``locale`` if it is a :class:`Text`; anything else unchanged."""
    return message.in_language(locale) if isinstance(message, Text) else message


# Role names shown in pages as _("role." ~ role); listed here so extraction finds them.
ROLE_LABELS = [
    N_("role.admin"),
    N_("role.supervisor"),
    N_("role.agent"),
    N_("role.expert"),
    N_("role.rep"),
    N_("role.department"),
    N_("role.contractor"),
    N_("role.viewer"),
]


# Codes shown through a prefix, e.g. _("tag." ~ tag); listed so extraction finds them.
CODE_LABELS = [
    N_("utility.electric"),
    N_("utility.water"),
    N_("utility.gas"),
    N_("area.urban"),
    N_("area.rural"),
    N_("area.remote"),
    N_("tag.major"),
    N_("tag.protected"),
    N_("tag.sensitive"),
    N_("tag.supervised"),
    N_("asset.substation"),
    N_("asset.feeder"),
    N_("asset.switch"),
    N_("asset.fuse"),
    N_("asset.transformer"),
    N_("asset.source"),
    N_("asset.junction"),
    N_("asset.valve"),
    N_("asset.hydrant"),
    N_("asset.service"),
]


def gettext(locale: str, message: str) -> str:
    return translations(locale).gettext(message)
