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


def rag_style(rag: str | None, *, bold: bool = False, border: bool = True,
              valign: str | None = "top") -> Style:
    """A cell coloured for a RAG name (Blue, Green, Amber, Red); plain when None."""
    if rag is None:
        return Style(border=BORDER if border else None, halign="center", valign=valign)
    return Style(fill=RAG_FILL[rag], font_color=RAG_FONT[rag], bold=bold, halign="center",
                 border=BORDER if border else None, valign=valign)


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
#: A4, margins in inches; every sheet cqcxl writes prints one page wide.
PAGE_LANDSCAPE = PageSetup(landscape=True, fit_width=True)
PAGE_PORTRAIT = PageSetup(landscape=False, fit_width=True)
#: Pie slice outline.
PIE_OUTLINE = WHITE
#: Default row height (points) of Calibri 11: rows above a chart get it explicitly.
ROW_PT = 15.0

# --- sizes ------------------------------------------------------------------------------
#: Key-task table column widths (characters), in template order.
TASK_COLUMN_WIDTHS = (10, 10, 42, 22, 14, 10, 34, 50, 34, 13, 30, 16, 13)
VALIDATION_WIDTHS = {1: 20, 2: 26, 3: 9, 4: 30, 5: 34, 6: 90, 7: 24}
#: Cover column widths (characters), A..N.
COVER_WIDTHS = (6, 26, 30, 9, 7, 6, 7, 6, 7, 6, 7, 6, 11, 11, 12)
HISTORY_WIDTHS = ((1, 14), (2, 30), (3, 12), (4, 10), (5, 60), (6, 16), (7, 14), (8, 16),
                  (9, 14), (10, 40), (11, 18), (12, 14))
CHASE_WIDTHS = {1: 28, 2: 22, 3: 9, 4: 50, 5: 30, 6: 40, 7: 26}
#: A note's width (points) and its height per line of text.
NOTE_WIDTH_PT = 320
#: A note's background where cqcxl draws it (the file engine): Excel's own note yellow.
NOTE_FILL = "FFFFE1"
NOTE_LINE_PT = 15
