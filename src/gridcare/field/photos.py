"""Patrol photos, stored the way work-order attachments are: the type sniffed from the
bytes, the size limited, the file content-addressed in the data directory (so a photo that
also becomes a finding's evidence is one file)."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

from gridcare.core.errors import InvalidInput
from gridcare.workorders.support import MAX_ATTACHMENT_BYTES, sniff

PHOTO_TYPES = ("image/jpeg", "image/png", "image/webp", "image/heic")


def store(*, data: bytes, filename: str, data_dir: Path, field: str = "photo") -> dict[str, Any]:
    """Check and store one photo; returns what the stop keeps of it."""
    if not data:
        raise InvalidInput.field(field, "is empty")
    if len(data) > MAX_ATTACHMENT_BYTES:
        raise InvalidInput.field(field, f"larger than {MAX_ATTACHMENT_BYTES // 1024 // 1024} MiB")
    media_type = sniff(data)
    if media_type not in PHOTO_TYPES:
        raise InvalidInput.field(field, "must be a JPEG, PNG, WebP or HEIC photo")
    digest = hashlib.sha256(data).hexdigest()
    relative = Path("uploads") / digest[:2] / digest
    target = data_dir / relative
    target.parent.mkdir(parents=True, exist_ok=True)
    if not target.exists():
        tmp = target.with_suffix(".part")
        tmp.write_bytes(data)
        tmp.replace(target)  # atomic: a crash never leaves half a file under the final name
    return {"sha256": digest, "path": str(relative), "media_type": media_type, "size": len(data), "filename": Path(filename or "photo").name[:200]}


def read(*, photo: dict[str, Any], data_dir: Path) -> bytes:
    return (data_dir / photo["path"]).read_bytes()
