import re
from pathlib import Path

from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

from gridcare.core.i18n import LOCALE_DIR, translations

ROOT = Path(__file__).resolve().parents[2]
PLACEHOLDER = re.compile(r"%\(\w+\)[-#0 +]*\d*(?:\.\d+)?[sdrgfi]")
METHODS = [("src/**.py", "python"), ("src/gridcare/**/templates/**.html", "jinja2")]


def extracted() -> set[str]:
    found = set()
    for _file, _line, message, _comments, _ctx in extract_from_dir(str(ROOT), METHODS, keywords={"_": None, "N_": None, "T_": None}):
        if isinstance(message, str) and message:
            found.add(message)
    return found


def test_it_translates_every_message_into_chinese():
    with open(LOCALE_DIR / "zh_CN" / "LC_MESSAGES" / "messages.po", "rb") as handle:
        catalog = read_po(handle)
    translated = {m.id for m in catalog if m.id and m.string and "fuzzy" not in m.flags}
    missing = sorted(extracted() - translated)
    assert missing == [], f"untranslated in zh_CN (run scripts/update-catalogs.sh): {missing}"


def test_every_key_has_its_english_words():
    # A key such as "event.order.escalated" is no English: left empty, the English page shows the key.
    with open(LOCALE_DIR / "en" / "LC_MESSAGES" / "messages.po", "rb") as handle:
        catalog = read_po(handle)
    worded = {m.id for m in catalog if m.id and m.string}
    keys = sorted(m for m in extracted() if re.fullmatch(r"[a-z_]+(\.[a-z0-9_]+)+", m))
    assert keys and [k for k in keys if k not in worded] == []


def test_translations_keep_every_placeholder():
    with open(LOCALE_DIR / "zh_CN" / "LC_MESSAGES" / "messages.po", "rb") as handle:
        catalog = read_po(handle)
    wrong = [(m.id, m.string) for m in catalog if m.id and m.string and sorted(PLACEHOLDER.findall(m.id)) != sorted(PLACEHOLDER.findall(m.string))]
    assert wrong == []


def test_every_translation_with_placeholders_formats():
    # A stray "%" in a translation would turn a zh-CN reader's error into a 500.
    with open(LOCALE_DIR / "zh_CN" / "LC_MESSAGES" / "messages.po", "rb") as handle:
        catalog = read_po(handle)
    broken = []
    for m in catalog:
        found = PLACEHOLDER.findall(m.id) if m.id else []
        if not found or not m.string:
            continue
        values = {re.match(r"%\((\w+)\)", p).group(1): 1 for p in found}
        try:
            m.string % values
        except (ValueError, TypeError, KeyError) as exc:
            broken.append((m.id, m.string, str(exc)))
    assert broken == []


def test_it_names_roles_in_both_languages():
    assert translations("zh_CN").gettext("role.rep") == "台区经理/网格经理"
    assert translations("en").gettext("role.rep") == "Grid rep"


def test_templates_mark_the_labels_of_their_literal_lists():
    # {% for key, label in [("team", "By team")] %}…{{ _(label) }} translates at run time, but
    # extraction never sees "By team", so it stayed English on a zh page. Write _("By team").
    bare = re.compile(r'\{%-?\s*for [^%]*\bin \[[^\]]*\(\s*"[^"]*"\s*,\s*"[A-Za-z][^"]*"\s*\)')
    offenders = [str(p.relative_to(ROOT)) for p in (ROOT / "src" / "gridcare").rglob("*.html") if bare.search(p.read_text(encoding="utf-8"))]
    assert not offenders, offenders
