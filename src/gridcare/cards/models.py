"""Tables of the contact-card domain: each grid's public report token (the QR code on its
cards and meter-box stickers, 一箱一贴) and the phone confirmation codes of public reports."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from gridcare.db import Base, UTCDateTime


class GridToken(Base):
    """A random token, not the grid's code: printed cards outlive renamed grids, and codes
    are guessable."""

    __tablename__ = "card_grid_tokens"

    grid_id: Mapped[int] = mapped_column(ForeignKey("grids.id", ondelete="CASCADE"), primary_key=True)
    token: Mapped[str] = mapped_column(String(40), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class ReportCode(Base):
    """An SMS confirmation code of the public report page. Only its salted hash is kept;
    ``client`` (the caller's address) and ``phone`` feed the rate limits."""

    __tablename__ = "public_report_codes"

    id: Mapped[int] = mapped_column(primary_key=True)
    grid_id: Mapped[int] = mapped_column(ForeignKey("grids.id", ondelete="CASCADE"), index=True)
    phone: Mapped[str] = mapped_column(String(20), index=True)
    client: Mapped[str] = mapped_column(String(64), index=True)
    code_hash: Mapped[str] = mapped_column(String(64))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    order_id: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
