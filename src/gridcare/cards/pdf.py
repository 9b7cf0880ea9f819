"""The printable sheet of a grid (一箱一贴): a contact card with the rep's name, photo and
phone, and meter-box stickers, each with the QR code of the grid's public report page.

reportlab draws; Chinese text uses the Adobe CID font ``STSong-Light`` that every PDF
reader has, so nothing is embedded and the file stays small. The QR code is drawn as
vector squares from segno's matrix (sharp at any print size), with a link annotation
over it so a PDF reader on a phone can open the page too."""

from __future__ import annotations

import io
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import segno
from reportlab.lib.colors import Color, HexColor, white
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfgen.canvas import Canvas

FONT = "STSong-Light"
BLUE = HexColor("#1d5fa8")
GREY = HexColor("#6b7280")
STICKERS = (2, 4)  # columns, rows under the card


@dataclass(frozen=True)
class CardData:
    grid_code: str
    grid_name: str
    rep_name: str
    rep_phone: str
    url: str
    utility: str = "electric"
    photo: bytes | None = None


def _font() -> str:
    if FONT not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(UnicodeCIDFont(FONT))
    return FONT


def draw_qr(canvas: Canvas, url: str, x: float, y: float, size: float) -> None:
    """The QR code with its quiet zone, lower-left corner at (x, y); dark runs of a row are
    drawn as one rectangle."""
    matrix = segno.make(url, error="m", micro=False).matrix
    n = len(matrix) + 8  # four modules of quiet zone on each side
    module = size / n
    canvas.setFillColor(white)
    canvas.rect(x, y, size, size, stroke=0, fill=1)
    canvas.setFillColor(Color(0, 0, 0))
    for r, row in enumerate(matrix):
        c = 0
        while c < len(row):
            if row[c]:
                start = c
                while c < len(row) and row[c]:
                    c += 1
                canvas.rect(x + (start + 4) * module, y + size - (r + 5) * module, (c - start) * module, module, stroke=0, fill=1)
            else:
                c += 1
    canvas.linkURL(url, (x, y, x + size, y + size), relative=0)


def _photo(canvas: Canvas, card: CardData, x: float, y: float, w: float, h: float) -> None:
    if card.photo:
        from reportlab.lib.utils import ImageReader

        try:
            canvas.drawImage(ImageReader(io.BytesIO(card.photo)), x, y, w, h, preserveAspectRatio=True, anchor="c")
            return
        except Exception:  # noqa: BLE001 - an unreadable photo falls back to the placeholder
            pass
    canvas.saveState()
    frame = canvas.beginPath()
    frame.rect(x, y, w, h)
    canvas.clipPath(frame, stroke=0, fill=0)
    canvas.setFillColor(HexColor("#e5e7eb"))
    canvas.rect(x, y, w, h, stroke=0, fill=1)
    canvas.setFillColor(HexColor("#9ca3af"))
    canvas.circle(x + w / 2, y + h * 0.62, w * 0.2, stroke=0, fill=1)
    canvas.ellipse(x + w * 0.2, y - h * 0.15, x + w * 0.8, y + h * 0.42, stroke=0, fill=1)
    canvas.restoreState()


def _title(utility: str) -> str:
    return "网格客户服务代表" if utility == "water" else "台区经理"


def draw_card(canvas: Canvas, card: CardData, x: float, y: float, w: float, h: float) -> None:
    font = _font()
    canvas.setStrokeColor(BLUE)
    canvas.setLineWidth(1.2)
    canvas.roundRect(x, y, w, h, 4 * mm, stroke=1, fill=0)
    canvas.setFillColor(BLUE)
    canvas.rect(x, y + h - 14 * mm, w, 14 * mm, stroke=0, fill=1)
    canvas.setFillColor(white)
    canvas.setFont(font, 15)
    canvas.drawString(x + 6 * mm, y + h - 9.5 * mm, f"您的{_title(card.utility)} · 有事找我")
    _photo(canvas, card, x + 6 * mm, y + h - 56 * mm, 30 * mm, 36 * mm)
    canvas.setFillColor(Color(0, 0, 0))
    canvas.setFont(font, 20)
    canvas.drawString(x + 42 * mm, y + h - 28 * mm, card.rep_name or "（待指定）")
    canvas.setFont(font, 17)
    canvas.drawString(x + 42 * mm, y + h - 40 * mm, card.rep_phone or "")
    canvas.setFont(font, 10)
    canvas.setFillColor(GREY)
    canvas.drawString(x + 42 * mm, y + h - 50 * mm, f"{card.grid_name}（{card.grid_code}）")
    canvas.drawString(x + 6 * mm, y + 8 * mm, "扫码报修、咨询、投诉，验证手机号后直接派单到本网格")
    qr = 44 * mm
    draw_qr(canvas, card.url, x + w - qr - 6 * mm, y + h - qr - 18 * mm, qr)
    canvas.setFont(font, 8)
    canvas.drawRightString(x + w - 6 * mm, y + 4 * mm, card.url)


def draw_sticker(canvas: Canvas, card: CardData, x: float, y: float, w: float, h: float) -> None:
    font = _font()
    canvas.setStrokeColor(GREY)
    canvas.setLineWidth(0.4)
    canvas.setDash(2, 2)
    canvas.rect(x, y, w, h, stroke=1, fill=0)  # the cutting line
    canvas.setDash()
    qr = h - 8 * mm
    draw_qr(canvas, card.url, x + 4 * mm, y + 4 * mm, qr)
    tx = x + qr + 7 * mm
    canvas.setFillColor(BLUE)
    canvas.setFont(font, 10)
    canvas.drawString(tx, y + h - 10 * mm, _title(card.utility))
    canvas.setFillColor(Color(0, 0, 0))
    canvas.setFont(font, 12)
    canvas.drawString(tx, y + h - 17 * mm, card.rep_name or "")
    canvas.setFont(font, 11)
    canvas.drawString(tx, y + h - 24 * mm, card.rep_phone or "")
    canvas.setFont(font, 7)
    canvas.setFillColor(GREY)
    canvas.drawString(tx, y + 6 * mm, f"扫码报事 · {card.grid_code}")


def render(cards: Sequence[CardData], *, progress: Callable[[str, int, int], None] | None = None) -> bytes:
    """One A4 page per grid: the card on top, 2 × 4 stickers below. Returns the PDF."""
    out = io.BytesIO()
    canvas = Canvas(out, pagesize=A4, pageCompression=1)
    canvas.setTitle("一箱一贴 联系卡")
    canvas.setAuthor("gridcare")
    width, height = A4
    margin = 12 * mm
    for i, card in enumerate(cards):
        card_h = 95 * mm
        draw_card(canvas, card, margin, height - margin - card_h, width - 2 * margin, card_h)
        cols, rows = STICKERS
        gap = 4 * mm
        sw = (width - 2 * margin - (cols - 1) * gap) / cols
        top = height - margin - card_h - 8 * mm
        sh = (top - margin - (rows - 1) * gap) / rows
        for r in range(rows):
            for c in range(cols):
                draw_sticker(canvas, card, margin + c * (sw + gap), top - (r + 1) * sh - r * gap, sw, sh)
        canvas.showPage()
        if progress is not None:
            progress("cards", i + 1, len(cards))
    if not cards:
        canvas.setFont(_font(), 14)
        canvas.drawString(margin, height - 30 * mm, "没有可打印的网格")
        canvas.showPage()
    canvas.save()
    return out.getvalue()
