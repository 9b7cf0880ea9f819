"""Uploaded files (order attachments, patrol and supervision photos): the type sniffed from
the bytes (a phone's declared name and type are not trusted), the size limited, the file
stored by content hash in the data directory, outside the database."""

from __future__ import annotations

import codecs
import hashlib
from collections.abc import Collection
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from gridcare.core.errors import InvalidInput
from gridcare.core.i18n import T_

MAX_BYTES = 10 * 1024 * 1024
MAX_IMPORT_BYTES = 50 * 1024 * 1024  # a layer or a year of monthly aggregates is far smaller
PHOTO_TYPES = ("image/jpeg", "image/png", "image/webp", "image/heic")
SIGNATURES: tuple[tuple[bytes, int, str], ...] = (
    (b"\xff\xd8\xff", 0, "image/jpeg"),
    (b"\x89PNG\r\n\x1a\n", 0, "image/png"),
    (b"%PDF-", 0, "application/pdf"),
    (b"WEBP", 8, "image/webp"),
    (b"ftypheic", 4, "image/heic"),
    (b"ftypmif1", 4, "image/heic"),
)


def safe_filename(name: str | None, default: str) -> str:
    """The name to show for an upload: its last part (a client may send a whole path, with
    either slash), without control characters (PostgreSQL refuses NUL), at most 200 long."""
    name = "".join(ch for ch in name or "" if ch >= " " and ch != "\x7f")
    name = name.replace("\\", "/").rsplit("/", 1)[-1].strip()
    return name[:200] if name not in ("", ".", "..") else default


def read_limited(file: BinaryIO, limit: int, *, field: str = "file") -> bytes:
    """An uploaded file's bytes, refused past ``limit`` without reading the rest into memory."""
    data = file.read(limit + 1)
    if len(data) > limit:
        raise InvalidInput.field(field, T_("larger than %(n)s MiB", n=limit // 1024 // 1024))
    return data


def sniff(data: bytes) -> str | None:
    for magic, offset, media_type in SIGNATURES:
        if data[offset : offset + len(magic)] == magic:
            return media_type
    return None


@dataclass(frozen=True)
class Stored:
    path: str  # relative to the data directory
    sha256: str
    media_type: str
    size: int


def store(data: bytes, data_dir: Path, *, field: str, allowed: Collection[str], allowed_text: str) -> Stored:
    """Check one upload and store it; ``field`` and ``allowed_text`` name it in the error."""
    if not data:
        raise InvalidInput.field(field, T_("is empty"))
    if len(data) > MAX_BYTES:
        raise InvalidInput.field(field, T_("larger than %(n)s MiB", n=MAX_BYTES // 1024 // 1024))
    media_type = sniff(data)
    if media_type not in allowed:
        raise InvalidInput.field(field, T_("must be %(allowed)s", allowed=allowed_text))
    digest = hashlib.sha256(data).hexdigest()
    relative = Path("uploads") / digest[:2] / digest
    target = data_dir / relative
    target.parent.mkdir(parents=True, exist_ok=True)
    if not target.exists():
        tmp = target.with_suffix(".part")
        tmp.write_bytes(data)
        tmp.replace(target)  # atomic: a crash never leaves half a file under the final name
    return Stored(str(relative), digest, media_type, len(data))


def decode_text(data: bytes, encoding: str | None = None) -> str | None:
    """A spreadsheet's text export as the office saved it: UTF-8 (with or without BOM), GB18030
    (GBK's superset, what Excel writes on a Chinese Windows) or UTF-16 with its BOM; None when
    it is none of them (or not ``encoding``, when given)."""
    if encoding:
        candidates: tuple[str, ...] = (encoding,)
    elif data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        candidates = ("utf-16",)  # Excel's "Unicode text" export
    else:
        # GB18030 decodes most byte soup, so UTF-8 must be tried first and strictly.
        candidates = ("utf-8-sig", "gb18030")
    for name in candidates:
        try:
            return data.decode(name)
        except (UnicodeDecodeError, LookupError):
            continue
    return None
