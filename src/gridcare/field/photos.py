"""Patrol photos, stored the way work-order attachments are: the type sniffed from the
bytes, the size limited, the file content-addressed in the data directory (so a photo that
also becomes a finding's evidence is one file)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from gridcare.core import uploads
from gridcare.core.i18n import T_


def store(*, data: bytes, filename: str, data_dir: Path, field: str = "photo") -> dict[str, Any]:
    """Check and store one photo; returns what the stop keeps of it."""
    stored = uploads.store(data, data_dir, field=field, allowed=uploads.PHOTO_TYPES, allowed_text=T_("a JPEG, PNG, WebP or HEIC photo"))
    return {"sha256": stored.sha256, "path": stored.path, "media_type": stored.media_type, "size": stored.size, "filename": uploads.safe_filename(filename, "photo")}


def read(*, photo: dict[str, Any], data_dir: Path) -> bytes:
    return (data_dir / photo["path"]).read_bytes()
