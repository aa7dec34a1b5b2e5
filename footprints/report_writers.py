"""The submission pack's two writers: the PDF and its HTML twin.

What the pack says (its sections, lines and band wording, and its maps) is
:mod:`footprints.report`'s; it hands each planning area over as :class:`SectionPages`, and
the writers here lay those out: :func:`write_pdf` on A4 pages (a map page per area, each
network's block kept on one page), :func:`write_html` as one HTML file with the maps
embedded as PNG images, so it opens in any browser with no other file.

Drawing uses matplotlib's Agg canvas directly (no pyplot, no display) and embeds TrueType
fonts, so the PDF's text can be searched and extracted. Every text is drawn as plain text,
never as matplotlib's mathematics, so a ``$`` in a name or a waiver reason is just a dollar
sign (:func:`drawn_text`); the HTML escapes every name and reason.
"""

from __future__ import annotations

import functools
import html
import re
import textwrap
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import matplotlib
from matplotlib import font_manager
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.backends.backend_pdf import PdfPages
from matplotlib.figure import Figure

from footprints.tradeoff import (
    AreaChanges,
    PackLine,
    curve_png,
    draw_curve,
    pack_intro,
    pack_moves,
    pack_table,
)

__all__ = [
    "PackBlock",
    "SectionPages",
    "drawn_text",
    "write_html",
    "write_pdf",
]

_FONT = "DejaVu Sans"  # and its Mono for tables: matplotlib's own

_PAGE = (8.27, 11.69)  # A4 portrait, inches
_MARGIN = 0.6
_WRAP = 100  # characters per line of body text
# (font size in points, line height in inches, weight, family) per kind of line
_STYLES: dict[str, tuple[float, float, str, str]] = {
    "h1": (16, 0.42, "bold", "DejaVu Sans"),
    "h2": (11.5, 0.3, "bold", "DejaVu Sans"),
    "text": (8.5, 0.17, "normal", "DejaVu Sans"),
    "head": (8, 0.17, "bold", "DejaVu Sans Mono"),
    "row": (8, 0.16, "normal", "DejaVu Sans Mono"),
    "gap": (8, 0.12, "normal", "DejaVu Sans"),
}
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")

MapDrawer = Callable[[Figure, tuple[float, float, float, float]], None]
"""Draws a map on a figure, in a rectangle (left, bottom, width, height as shares)."""


@dataclass(frozen=True)
class PackBlock:
    """A network's block (or an area's practices in no network), kept on one PDF page.

    Parameters
    ----------
    lines
        Its lines as the PDF draws them, the practices' table as ``"head"`` and ``"row"``
        lines; the HTML takes the headings and text.
    table
        The practices as the HTML table gives them: code, name, list size, patch.
    """

    lines: list[PackLine]
    table: list[tuple[str, str, str, str]]


@dataclass(frozen=True)
class SectionPages:
    """One planning area's part of the pack, as the writers lay it out.

    Parameters
    ----------
    area, area_name, heading
        The area's code (the HTML section's id), its name and the heading of its map page.
    summary
        The lines under the heading.
    draw_map
        Draws the area's map (the PDF's map page).
    map_png
        The same map as a base64 PNG (the HTML's image), drawn when called.
    change
        The area's least-change answer, if any: its pages follow the map.
    blocks
        The networks' blocks, then the practices in no network.
    """

    area: str
    area_name: str
    heading: str
    summary: list[PackLine]
    draw_map: MapDrawer
    map_png: Callable[[], str]
    change: AreaChanges | None
    blocks: list[PackBlock]


def drawn_text(text: str) -> str:
    """Return text as the PDF draws it: control characters (a tab, a line break) as spaces.

    The fonts have no glyph for them, and a line break inside a name would spill over the
    next line. A character the pack's font lacks (an emoji in a network's name) is drawn as
    ``?`` instead of an empty box with matplotlib's warning; the HTML twin keeps it as
    written. Everything else is drawn as written (with ``parse_math=False``).
    """
    text = _CONTROL.sub(" ", text)
    if text.isascii():
        return text
    return "".join(c if c.isascii() or _has_glyph(c) else "?" for c in text)


@functools.cache
def _has_glyph(character: str) -> bool:
    """Whether the pack's fonts (DejaVu Sans and its Mono, matplotlib's own) draw ``character``."""
    return all(
        font_manager.get_font(font_manager.findfont(family)).get_char_index(ord(character))
        for family in (_FONT, f"{_FONT} Mono")
    )


# --------------------------------------------------------------------------------------------
# PDF
# --------------------------------------------------------------------------------------------


class _PdfWriter:
    """Lays lines out top to bottom on A4 pages, keeping a network's block on one page."""

    def __init__(self, pages: PdfPages, footer: str) -> None:
        self.pages = pages
        self.footer = footer
        self.figure: Figure | None = None
        self.y = 0.0
        self.count = 0

    def _new_page(self) -> Figure:
        self.finish_page()
        figure = Figure(figsize=_PAGE)
        FigureCanvasAgg(figure)
        self.figure = figure
        self.y = _PAGE[1] - _MARGIN
        self.count += 1
        figure.text(
            0.5,
            _MARGIN / 2 / _PAGE[1],
            drawn_text(f"{self.footer} — page {self.count}"),
            ha="center",
            fontsize=7,
            color="#666666",
            parse_math=False,  # a "$" in a name is a dollar sign, not mathematics
        )
        return figure

    def finish_page(self) -> None:
        if self.figure is not None:
            self.pages.savefig(self.figure)
            self.figure = None

    def map_page(self, title: str, subtitle: list[PackLine], draw: object) -> None:
        figure = self._new_page()
        self.write([("h1", title), *subtitle])
        top = (self.y - 0.1) / _PAGE[1]
        bottom = _MARGIN / _PAGE[1]
        assert callable(draw)
        draw(figure, (0.06, bottom, 0.88, top - bottom))
        self.finish_page()

    def write(self, lines: list[PackLine], *, keep_together: bool = False) -> None:
        wrapped: list[PackLine] = []
        for kind, text in lines:
            if kind in {"text", "h2"} and len(text) > _WRAP:
                wrapped += [(kind, part) for part in textwrap.wrap(text, _WRAP)]
            else:
                wrapped.append((kind, text))
        height = sum(_STYLES[kind][1] for kind, _ in wrapped)
        room = self.y - _MARGIN
        usable = _PAGE[1] - 2 * _MARGIN
        if self.figure is None or (keep_together and height > room and height <= usable):
            self._new_page()
        for kind, text in wrapped:
            size, step, weight, family = _STYLES[kind]
            if self.y - step < _MARGIN or self.figure is None:
                self._new_page()
            assert self.figure is not None
            self.y -= step
            if text:
                self.figure.text(
                    _MARGIN / _PAGE[0],
                    self.y / _PAGE[1],
                    drawn_text(text),
                    fontsize=size,
                    fontweight=weight,
                    family=family,
                    va="baseline",
                    parse_math=False,
                )


def write_pdf(path: Path, sections: list[SectionPages], title: str) -> None:
    """Write ``sections`` as one PDF at ``path`` titled ``title`` (its metadata and footers).

    Raises
    ------
    OSError
        When the file cannot be written (a full disk), as the write raised it.
    """
    try:
        _write_pdf_pages(path, sections, title)
    except zlib.error as error:
        # a write that failed (a full disk) leaves the page's zlib stream half flushed, and
        # PdfPages, closing, fails on it: the OSError (said as 'the disk is full') was
        # hidden behind 'Error -2 while flushing: inconsistent stream state', an internal
        # error (exit 3)
        if isinstance(error.__context__, OSError):
            raise error.__context__ from None
        raise


def _write_pdf_pages(path: Path, sections: list[SectionPages], title: str) -> None:
    with (
        open(path, "wb") as handle,  # closed here even when PdfPages fails to close
        matplotlib.rc_context({"pdf.fonttype": 42, "font.family": _FONT}),
        PdfPages(handle, metadata={"Title": title, "Creator": "footprints"}) as pages,
    ):
        writer = _PdfWriter(pages, title)
        for section in sections:
            writer.map_page(section.heading, section.summary, section.draw_map)
            change = section.change
            if change is not None and change.curve:
                writer.map_page(
                    f"What change buys — {section.area_name}",
                    pack_intro(change),
                    lambda figure, rect, c=change: draw_curve(figure, rect, c),
                )
            if change is not None and (change.curve or change.moved):
                if not change.curve:
                    writer.write([("h1", f"Least change — {section.area_name}")])
                    writer.write(pack_intro(change))
                writer.write(pack_table(change), keep_together=True)
                writer.write(pack_moves(change))
                writer.finish_page()
            for block in section.blocks:
                writer.write(block.lines, keep_together=True)
            writer.finish_page()


# --------------------------------------------------------------------------------------------
# HTML
# --------------------------------------------------------------------------------------------

_CSS = """
body { font-family: "DejaVu Sans", Arial, sans-serif; margin: 2em auto; max-width: 60em; }
h1 { border-bottom: 2px solid #222; } h2 { margin-top: 1.6em; }
table { border-collapse: collapse; } td, th { padding: 0.15em 0.8em; text-align: left; }
td.n, th.n { text-align: right; } tr:nth-child(even) { background: #f3f3f3; }
img { max-width: 100%; border: 1px solid #ccc; }
"""


def _html_table(rows: list[tuple[str, str, str, str]]) -> str:
    cells = "".join(
        f"<tr><td>{html.escape(code)}</td><td>{html.escape(name)}</td>"
        f'<td class="n">{size}</td><td>{html.escape(patch)}</td></tr>'
        for code, name, size, patch in rows
    )
    return (
        '<table><tr><th>Code</th><th>Practice</th><th class="n">List size</th>'
        f"<th>Patch</th></tr>{cells}</table>"
    )


def _html_lines(lines: list[PackLine]) -> str:
    parts = []
    for kind, text in lines:
        if kind == "h2":
            parts.append(f"<h2>{html.escape(text)}</h2>")
        elif kind == "text":
            parts.append(f"<p>{html.escape(text)}</p>")
    return "\n".join(parts)


def write_html(path: Path, sections: list[SectionPages], title: str) -> None:
    """Write ``sections`` as one HTML file at ``path`` (made anew: never over a file)."""
    body = [f"<h1>{html.escape(title)}</h1>"]
    for section in sections:
        heading = section.heading
        body.append(f'<section id="{html.escape(section.area)}"><h1>{html.escape(heading)}</h1>')
        body.append(_html_lines(section.summary))
        image = section.map_png()
        body.append(
            f'<img alt="Map of the networks of {html.escape(heading)}" '
            f'src="data:image/png;base64,{image}">'
        )
        if section.change is not None:
            body.append(_html_changes(section.change))
        for block in section.blocks:
            body.append(_html_lines(block.lines))
            body.append(_html_table(block.table))
        body.append("</section>")
    document = (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        f"<title>{html.escape(title)}</title><style>{_CSS}</style></head><body>\n"
        + "\n".join(body)
        + "\n</body></html>\n"
    )
    with path.open("x", encoding="utf-8") as stream:
        stream.write(document)


def _html_changes(change: AreaChanges) -> str:
    parts = ["<h2>What change buys</h2>", _html_lines(pack_intro(change))]
    if change.curve:
        parts.append(
            f'<img alt="Networks against practices moved in {html.escape(change.area)}" '
            f'src="data:image/png;base64,{curve_png(change)}">'
        )
        table = "\n".join(text for _, text in pack_table(change))
        parts.append(f"<pre>{html.escape(table)}</pre>")
    parts.append(_html_lines(pack_moves(change)))
    return "\n".join(parts)
