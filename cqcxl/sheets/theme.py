"""Every colour, font, border, width and page setting cqcxl writes, stated once.

The sheets (cover, validation, history, guide, template) take their looks from here and
hand engines fully resolved edits (RGB hex, points, characters), so no engine and no other
module carries a colour of its own. Change the palette here and every sheet follows.
"""

from __future__ import annotations

from ..edits import PageSetup, Style

# --- the palette ------------------------------------------------------------------------
NAVY = "1F3864"         # headings, table headers, the cover's title
WHITE = "FFFFFF"
BLACK = "000000"
LABEL_BLUE = "D9E1F2"   # label cells, totals
GREY_TEXT = "595959"    # small print
CHART_DATA = "808080"   # the pies' source numbers beside the print area
BORDER = "BFBFBF"       # thin cell borders
DARK_RED = "C00000"     # the alarm
CALM_GREEN = "375623"
CALM_FILL = "E2EFDA"

#: RAG colours (fill, font). Fonts chosen for contrast: black on Red (5.3:1), Amber and
#: Green; white on Blue (5.1:1).
RAG_FILL = {"Red": "FF0000", "Amber": "FFC000", "Green": "00B050", "Blue": "0070C0"}
RAG_FONT = {"Red": BLACK, "Amber": BLACK, "Green": BLACK, "Blue": WHITE}
#: Fills cqcxl may take off a RAG cell again (any other fill is the user's).
RAG_FILLS = tuple(RAG_FILL.values())
#: The font colour a RAG cell gets back when cqcxl takes its colour off.
PLAIN_FONT = BLACK

#: Severity colours on the Validation sheet.
SEVERITY_FILL = {"error": "F8CBAD", "warning": "FFE699", "info": "DDEBF7"}
ALARM_FILL = RAG_FILL["Red"]
TAB_ERRORS = DARK_RED
TAB_CLEAN = RAG_FILL["Green"]
TAB_COVER = NAVY

# --- styles -----------------------------------------------------------------------------
HEAD = Style(fill=NAVY, font_color=WHITE, bold=True, wrap=True, valign="center")
TABLE_HEAD = Style(fill=NAVY, font_color=WHITE, bold=True, wrap=True, valign="center",
                   halign="center", border=BORDER)
SHEET_TITLE = Style(bold=True, size=16, font_color=NAVY)
COVER_TITLE = Style(bold=True, size=18, font_color=NAVY, valign="center")
SUBTITLE = Style(bold=True, size=12, font_color=NAVY)
SECTION = Style(bold=True, size=13, font_color=NAVY)
BIG_SECTION = Style(bold=True, size=15, font_color=NAVY)
COUNT_LINE = Style(bold=True, size=16, font_color=NAVY)
SMALL = Style(italic=True, font_color=GREY_TEXT, size=9)
SMALL_WRAP = Style(italic=True, font_color=GREY_TEXT, size=9, wrap=True)
WRAP = Style(wrap=True)
BOLD = Style(bold=True)
ITALIC = Style(italic=True)
CELL = Style(border=BORDER, valign="top", wrap=True)
#: The cover's sponsor cells: long names and job titles, in a smaller size.
SMALL_SIZE = 9.0
CELL_SMALL = Style(border=BORDER, valign="top", wrap=True, size=SMALL_SIZE)
NUM = Style(border=BORDER, halign="center", valign="top")
TOTAL = Style(border=BORDER, bold=True, halign="center", fill=LABEL_BLUE)
TOTAL_LABEL = Style(border=BORDER, bold=True, fill=LABEL_BLUE)
PERCENT = Style(number_format="0%", halign="center", border=BORDER)
PERCENT_TOTAL = Style(number_format="0%", halign="center", border=BORDER, bold=True,
                      fill=LABEL_BLUE)
ALARM_BANNER = Style(bold=True, size=13, font_color=WHITE, fill=DARK_RED, valign="center")
ALARM_TEXT = Style(bold=True, font_color=DARK_RED, size=12)
ALARM_HEADING = Style(bold=True, size=13, font_color=DARK_RED)
SLIP_BANNER = Style(bold=True, size=12, font_color=BLACK, fill=RAG_FILL["Amber"],
                    valign="center")
CALM = Style(bold=True, size=11, font_color=CALM_GREEN, fill=CALM_FILL)
CHART_NUMBERS = Style(font_color=CHART_DATA, size=9)
LABEL = Style(bold=True, fill=LABEL_BLUE)
HISTORY_PERIOD = Style(bold=True, fill=NAVY, font_color=WHITE, number_format="d mmm yyyy")
HISTORY_DAY = Style(number_format="d mmm yyyy")
DATE_CELL = Style(border=BORDER, halign="center", valign="top", number_format="d mmm yyyy")


def rag_style(rag: str | None, *, bold: bool = False, border: bool = True,
              valign: str | None = "top") -> Style:
    """A cell coloured for a RAG name (Blue, Green, Amber, Red); plain when None."""
    if rag is None:
        return Style(border=BORDER if border else None, halign="center", valign=valign)
    return Style(fill=RAG_FILL[rag], font_color=RAG_FONT[rag], bold=bold, halign="center",
                 border=BORDER if border else None, valign=valign)


#: Direction of travel arrows: coloured and larger than the text around them.
TRAVEL_FONT = {"↑": CALM_GREEN, "↓": DARK_RED, "→": GREY_TEXT}


def travel_style(arrow: str, *, bold: bool = False) -> Style:
    """The direction-of-travel cell: ↑ green, ↓ red, → grey, each 14 pt and centred."""
    return Style(font_color=TRAVEL_FONT.get(arrow, GREY_TEXT), bold=True, size=14,
                 halign="center", valign="center", border=BORDER,
                 fill=LABEL_BLUE if bold else None)


def severity_style(severity: str, alarm: bool) -> Style:
    """Column A of a Validation row: the severity colour, or the alarm's red."""
    return Style(fill=ALARM_FILL if alarm else SEVERITY_FILL[severity], bold=alarm, wrap=True,
                 font_color=WHITE if alarm else None)


#: The workbook theme's accents 1-4 in workbooks cqcxl makes: a pie whose slices vary by
#: point takes them in order, so the pies come out Blue, Green, Amber, Red on every engine.
THEME_ACCENTS = (RAG_FILL["Blue"], RAG_FILL["Green"], RAG_FILL["Amber"], RAG_FILL["Red"])
#: The caption of the form buttons in the macro-enabled workbook; the hidden config sheet's tab.
BUTTON_TEXT = BLACK
CONFIG_TAB = "7F7F7F"

# --- pages and charts -------------------------------------------------------------------
#: At the foot of every printed page of cqcxl's sheets and the Board pack: the sheet's
#: name on the left, "Page 3 of 12" on the right (a Board member can say which page).
PAGE_FOOTER = "&L&8&A&R&8Page &P of &N"
#: Margins (left, right, top, bottom; inches) of a page with that footer: the bottom
#: margin leaves it room below the last row.
FOOTED_MARGINS = (0.4, 0.4, 0.4, 0.6)
#: A4, margins in inches; every sheet cqcxl writes prints one page wide.
PAGE_LANDSCAPE = PageSetup(landscape=True, fit_width=True, margins=FOOTED_MARGINS,
                           footer=PAGE_FOOTER)
PAGE_PORTRAIT = PageSetup(landscape=False, fit_width=True, margins=FOOTED_MARGINS,
                          footer=PAGE_FOOTER)
#: Period history is cqcxl's store, appended to by every Close period: it keeps the page
#: set-up it has always had, so a workbook's History is appended to, never rewritten.
PAGE_STORE = PageSetup(landscape=True, fit_width=True)
#: A workstream sheet's thirteen columns: one A4 width prints them at half size, so A3
#: (70%); the Board's print of a workstream is the pack (cqcxl pack), on A4.
PAGE_WORKSTREAM = PageSetup(landscape=True, fit_width=True, paper="A3",
                            margins=FOOTED_MARGINS, footer=PAGE_FOOTER)
#: A4 in points (portrait: width, height).
A4_PT = (595.28, 841.89)
#: The share of a printed page cqcxl fills before it places a page break: Excel and
#: LibreOffice lay rows out a little differently, and the header margin takes some room.
PAGE_SAFETY = 0.97
#: Pie slice outline.
PIE_OUTLINE = WHITE
#: Default row height (points) of Calibri 11: rows above a chart get it explicitly.
ROW_PT = 15.0

# --- sizes ------------------------------------------------------------------------------
#: Key-task table column widths (characters), in template order.
TASK_COLUMN_WIDTHS = (10, 10, 42, 22, 14, 10, 34, 50, 34, 13, 30, 16, 13)
VALIDATION_WIDTHS = {1: 20, 2: 26, 3: 9, 4: 30, 5: 34, 6: 90, 7: 24}
#: Cover column widths (characters), A..N.
COVER_WIDTHS = (6, 22, 40, 7, 7, 6, 7, 6, 7, 6, 7, 6, 9, 10, 10)
#: The cover's extra "Not rated" column, when some key tasks have no valid RAG.
NOT_RATED_WIDTH = 9
HISTORY_WIDTHS = ((1, 14), (2, 30), (3, 12), (4, 10), (5, 60), (6, 16), (7, 14), (8, 16),
                  (9, 14), (10, 40), (11, 18), (12, 14))
CHASE_WIDTHS = {1: 28, 2: 22, 3: 9, 4: 50, 5: 30, 6: 40, 7: 26}
#: A note's width (points) and its height per line of text.
NOTE_WIDTH_PT = 320
#: A note's background where cqcxl draws it (the file engine): Excel's own note yellow.
NOTE_FILL = "FFFFE1"
#: The font size of a note as Excel draws it (Tahoma 9 by default).
NOTE_SIZE = 9.0

# --- the Board pack (PDF, printed by LibreOffice) -----------------------------------------
#: A workstream page's columns (characters): Task ID, Key task, Task owner, Date to
#: complete, Revised date, RAG, Narrative / update, Mitigation. 136 in all: 755 pt, so
#: LibreOffice prints them at 100% on landscape A4 (784 pt between the margins), and the
#: page breaks worked out in ``sheets/pages.py`` can count in the sheet's own points.
PACK_WIDTHS = (7, 30, 15, 10, 10, 7, 37, 20)
#: Landscape A4 in points (width, height) as LibreOffice's PDF has it; less
#: PageSetup.margins, the printable area.
PACK_A4_LANDSCAPE_PT = (841.89, 595.28)
#: How wide LibreOffice prints one character of column width, in points: the digit width
#: of Calibri 11 (or Carlito, its metric twin), measured 5.55. A wider stand-in font (no
#: Carlito installed) only makes the print scale smaller, so a page holds more than the
#: breaks assume: pages end early, never late.
PACK_PT_PER_CHAR = 5.55
#: Points left unused at the foot of each printed page of the pack (rounding).
PACK_PAGE_SLACK_PT = 4.0
#: The pack's tables (key tasks, risks, narrative) are set in 9 pt, as printed Board
#: papers are: half as much again on a page as at 11 pt, at the same 100% print scale.
PACK_TEXT_SIZE = 9.0
PACK_CELL = Style(border=BORDER, valign="top", wrap=True, size=PACK_TEXT_SIZE)
PACK_HEAD = Style(fill=NAVY, font_color=WHITE, bold=True, wrap=True, valign="center",
                  halign="center", border=BORDER, size=PACK_TEXT_SIZE)
#: Label cells (Sponsor, Overall RAG, the additional-narrative headings).
PACK_LABEL = Style(bold=True, fill=LABEL_BLUE, border=BORDER, wrap=True, size=PACK_TEXT_SIZE)
#: The date that has passed on a task that is not Blue: bold dark red, and says "overdue".
PACK_OVERDUE = Style(border=BORDER, wrap=True, bold=True, font_color=DARK_RED,
                     size=PACK_TEXT_SIZE)
#: A field the workstream left empty ("Not given") inside a table, and a line on its own
#: ("No headline given").
PACK_NOT_GIVEN = Style(border=BORDER, wrap=True, italic=True, font_color=GREY_TEXT,
                       size=PACK_TEXT_SIZE)
PACK_NOTHING = Style(wrap=True, italic=True, font_color=GREY_TEXT)
#: The RAG cell of a task the Board agreed to remove (out of every count).
PACK_REMOVED = Style(border=BORDER, wrap=True, italic=True, font_color=GREY_TEXT,
                     halign="center", size=PACK_TEXT_SIZE)
