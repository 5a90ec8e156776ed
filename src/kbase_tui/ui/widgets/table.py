"""A DataTable that draws its one-line text cells with a third of the work.

`DataTable._render_cell` draws every cell through three nested Rich renderables
(`Styled(Padding(cell))`, each run through `Console.render_lines`).  On the refusal review that
was most of a page-down: the 28 rows that come into view are 250 cells never drawn before, about
0.3 ms each, 90 ms a key press (docs/performance.md).  For the cells kbase puts in its lists (a
`Text` on a row one line high) `ListTable` lets Rich draw only the text, exactly as before, and
does the padding and the layering of styles itself; everything else (headers, row labels, taller
rows, other renderables) goes the DataTable way.  tests/ui/test_list_table.py checks that every
cell comes out segment for segment the same as DataTable draws it.
"""

from __future__ import annotations

from rich.cells import cell_len
from rich.segment import Segment
from rich.style import Style
from rich.text import Span, Text
from textual.widgets import DataTable

_NULL = Style.null()


class ListTable(DataTable):
    def _update_dimensions(self, new_rows) -> None:
        """Column widths from the new rows: one-line text rows measured by their text alone.

        DataTable measures every new cell through Rich (`textual.render.measure`, which asks the
        terminal its size for each cell): 1,800 cells for a page of the refusal list.  A `Text`
        measures as its widest line (`Text.__rich_measure__`), so that is taken straight from
        `cell_len`; rows with a label, of another height or with other renderables go to DataTable.
        """
        others = []
        columns = self.ordered_columns
        for row_key in new_rows:
            row_index = self._row_locations.get(row_key)
            row = self.rows.get(row_key)
            if row_index is None or row is None:
                continue  # removed before the table was idle: DataTable skips it too
            _label, cells = self._get_row_renderables(row_index)
            if row.label is not None or row.auto_height or not all(isinstance(c, Text) for c in cells):
                others.append(row_key)
                continue
            for column, cell in zip(columns, cells):
                plain = cell.plain
                width = max((cell_len(line) for line in plain.splitlines()), default=0) if plain else 0
                column.content_width = max(column.content_width, width)
        super()._update_dimensions(others)

    def _render_cell(
        self,
        row_index: int,
        column_index: int,
        base_style: Style,
        width: int,
        cursor: bool = False,
        hover: bool = False,
    ):
        if row_index < 0 or column_index < 0:  # header or row label: as DataTable draws them
            return super()._render_cell(row_index, column_index, base_style, width, cursor, hover)
        row_key = self._row_locations.get_key(row_index)
        row = self.rows.get(row_key) if row_key is not None else None
        if row is None or row.height != 1:
            return super()._render_cell(row_index, column_index, base_style, width, cursor, hover)
        column_key = self._column_locations.get_key(column_index)
        # The same cache key as DataTable._render_cell: both share one cache.
        cache_key = (
            row_key, column_key, base_style, cursor, hover, self._show_hover_cursor, self._update_count,
            self._pseudo_class_state,
        )
        cached = self._cell_render_cache.get(cache_key)
        if cached is not None:
            return cached
        _label, cells = self._get_row_renderables(row_index)
        cell = cells[column_index]
        if not isinstance(cell, Text) or "\n" in cell.plain:
            return super()._render_cell(row_index, column_index, base_style, width, cursor, hover)
        is_fixed = row_index < self.fixed_rows or column_index < self.fixed_columns
        component_style, post_style = self._get_styles_to_render_cell(
            False, False, is_fixed, hover, cursor, self.show_cursor, self._show_hover_cursor,
            self.cursor_foreground_priority == "css", self.cursor_background_priority == "css",
        )
        pre_style = base_style + Style.from_meta({"row": row_index, "column": column_index}) + component_style
        lines = [self._one_line(cell, width, pre_style, post_style)]
        self._cell_render_cache[cache_key] = lines
        return lines

    def _one_line(self, cell: Text, width: int, pre_style: Style, post_style: Style) -> list[Segment]:
        """What `console.render_lines(Styled(Padding(cell, (0, p)), pre, post), width, height 1, no_wrap)` gives."""
        pad = self.cell_padding
        inner = max(0, width - 2 * pad)
        line = self._text_line(cell, inner)
        # Padding: the text line between two pads in the null style.
        if pad:
            segments = [Segment(" " * pad, _NULL), *line, Segment(" " * pad, _NULL)]
        else:
            segments = line
        # Styled: the row's and column's styles under, the cursor's over; then cut to the cell.
        styled = list(Segment.apply_style(segments, style=pre_style, post_style=post_style))
        return Segment.adjust_line_length(styled, width, style=None, pad=True)

    def _text_line(self, cell: Text, width: int) -> list[Segment]:
        """The first line of `console.render_lines(cell, width, height 1, no_wrap, style=null, pad)`.

        The steps of `Text.__rich_console__` and `Text.wrap` for one line that does not wrap,
        without the layers around them; anything else is left to Rich.
        """
        console = self.app.console
        options = self.app.console_options
        justify = cell.justify or options.justify or "default"
        overflow = cell.overflow or options.overflow or "fold"
        if cell.no_wrap is False or overflow == "ignore" or justify == "full" or "\t" in cell.plain:
            lines = console.render_lines(cell, options.update_dimensions(width, 1).update(no_wrap=True),
                                         style=_NULL, pad=True)
            return lines[0] if lines else [Segment(" " * width, _NULL)]
        line = cell.copy()
        line.rstrip_end(width)
        if justify == "left":
            line.truncate(width, overflow=overflow, pad=True)
        elif justify == "center":
            line.rstrip()
            line.truncate(width, overflow=overflow)
            line.pad_left((width - cell_len(line.plain)) // 2)
            line.pad_right(width - cell_len(line.plain))
        elif justify == "right":
            line.rstrip()
            line.truncate(width, overflow=overflow)
            line.pad_left(width - cell_len(line.plain))
        line.truncate(width, overflow=overflow)
        # Text.__rich_console__ renders the line joined (`Text.join`) into a new Text whose own style
        # is empty, the line's style becoming the first span over all of it: done the same way here.
        if line.style:
            line.spans = [Span(0, len(line), line.style), *line.spans]
            line.style = ""
        return Segment.adjust_line_length(list(line.render(console, end="")), width, style=_NULL, pad=True)
