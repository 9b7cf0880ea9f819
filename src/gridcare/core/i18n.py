"""Translations from the Babel catalogs in ``web/locale``.

Catalogs are read from their ``.po`` source when first needed and compiled in memory, so the
tree holds no generated ``.mo`` files and an edited catalog needs no build step."""

from __future__ import annotations

import io
from collections.abc import Callable
from functools import lru_cache
from pathlib import Path
from typing import Any

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
    """The ``_(message, **values)`` of pages, reports and messages in ``locale``."""
    catalog = translations(locale)

    def _(message: str, **values: Any) -> str:
        text = catalog.gettext(message)
        return text % values if values else text

    return _


def N_(message: str) -> str:
    """Marks a message for extraction where it is defined; it is translated where shown."""
    return message


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
