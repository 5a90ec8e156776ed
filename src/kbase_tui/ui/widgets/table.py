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

from collections.abc import Callable, Mapping, Sequence

from rich.cells import cell_len
from rich.segment import Segment
from rich.style import Style
from rich.text import Span, Text
from textual.widgets import DataTable
from textual.widgets.data_table import DuplicateKey, Row, RowKey

_NULL = Style.null()


WidthRule = Callable[[int], Mapping[str, int]]


def cell_len_of(*texts: str) -> int:
    """The width of the widest of *texts*: a column as wide as its heading and words in the language shown."""
    return max((cell_len(text) for text in texts), default=0)


def share_room(width: int, columns: Sequence[tuple[str, int | None, int]], scrollbar: int = 2) -> dict[str, int]:
    """Widths for a table *width* wide of *columns*: (key, the width it wants or None, the least it may have).

    While they fit, the columns have the widths they want and a column that wants None takes what is left
    (at least its least).  When they do not, the widest of those that may shrink give up a cell at a time,
    down to their least: the table stays on the screen (no column pushed off it, no heading cut by the
    screen's edge) and what is cut ends in "…".  The room counts the *scrollbar* and each column's padding.
    """
    room = width - scrollbar - 2 * len(columns)
    widths = {key: least if want is None else want for key, want, least in columns}
    over = sum(widths.values()) - room
    while over > 0:
        shrinkable = [key for key, _want, least in columns if widths[key] > least]
        if not shrinkable:
            break
        widest = max(shrinkable, key=lambda key: widths[key])
        widths[widest] -= 1
        over -= 1
    rest = [key for key, want, _least in columns if want is None]
    if over < 0 and rest:
        widths[rest[0]] -= over
    return widths


def ellipsis_cell(cell):
    """*cell*, and if it is a `Text` that says nothing of how it is cut, a copy cut with "…".

    A cell cut at its column's edge without a mark reads as another word ("Мария Соколо", "Возвра") or
    a smaller number; with "…" the reader knows there is more (the detail line below a list has it
    whole).  A cell that asks for another overflow ("crop", "fold") keeps it.
    """
    if isinstance(cell, Text) and cell.overflow is None:
        cell = cell.copy()
        cell.overflow = "ellipsis"
    return cell


def set_column_widths(table: DataTable, widths: Mapping[str, int]) -> bool:
    """Give the columns named in *widths* (by key) these widths, keeping the rows; True if one changed.

    Rows of one line are drawn again at the new widths; rows as tall as their cells (`height=None`)
    are measured again, as a wrapped cell may now take more or fewer lines.
    """
    changed = False
    for column in table.ordered_columns:
        if column.key.value is None:
            continue  # a column added without a key cannot be named
        width = widths.get(column.key.value)
        if width is not None and (column.auto_width or column.width != width):
            column.width, column.auto_width = width, False
            changed = True
    if not changed:
        return False
    for key, row in table.rows.items():
        if row.auto_height:
            row.height = 0  # measured again at the new widths (a height already known would be kept)
            table._new_rows.add(key)
    table._require_update_dimensions = True
    table._update_count += 1
    table._clear_caches()
    table._offset_cache.clear()
    table.refresh()
    table.check_idle()
    return True


class ListTable(DataTable):
    """A DataTable of one-line text cells whose cut cells and column labels end in "…" (`ellipsis_cell`).

    A label is plain text (a str label is never read as markup) and, like a cell, ends in "…" when its
    column is narrower: a heading cut to "Последн." or "По ум" reads as nothing.  Rows as tall as their
    text (`height=None`) wrap as DataTable wraps them.
    """

    _width_rule: WidthRule | None = None

    def action_scroll_home(self) -> None:
        # A list of rows: Home and End go to the first and the last row, as F1 says ("to the end").  Textual's
        # DataTable scrolls sideways on them, the cursor stays, and Enter after End opened the first row's card.
        if self.cursor_type == "row" and self.show_cursor:
            self.action_scroll_top()
        else:
            super().action_scroll_home()

    def action_scroll_end(self) -> None:
        if self.cursor_type == "row" and self.show_cursor:
            self.action_scroll_bottom()
        else:
            super().action_scroll_end()

    def add_column(self, label, *, width=None, key=None, default=None):
        label = Text(label, no_wrap=True) if isinstance(label, str) else label
        return super().add_column(ellipsis_cell(label), width=width, key=key, default=default)

    def add_row(self, *cells, height: int | None = 1, key=None, label=None):
        if height == 1:
            cells = tuple(ellipsis_cell(cell) for cell in cells)
        return super().add_row(*cells, height=height, key=key, label=label)

    def update_cell(self, row_key, column_key, value, *, update_width: bool = False) -> None:
        row = self.rows.get(row_key if isinstance(row_key, RowKey) else RowKey(row_key))
        if row is not None and row.height == 1:
            value = ellipsis_cell(value)
        super().update_cell(row_key, column_key, value, update_width=update_width)

    def fit_columns(self, rule: WidthRule) -> None:
        """Column widths from the table's own width, now and again on every resize.

        *rule* takes the table's width and answers {column key: width}, typically one column taking
        what the others leave.  Before the first layout the app's width stands in for the table's
        (a table across the whole screen has the app's width).
        """
        self._width_rule = rule
        set_column_widths(self, rule(self.size.width or self.app.size.width))

    def wrap_headings(self, room: int, most_lines: int = 3) -> None:
        """Headings wrapped at their spaces when the columns together are wider than *room*.

        A table whose columns are as wide as their contents (a report) may run off the screen, cutting the
        last heading at its edge ("Звонков в ч").  When it does, a heading wider than its column's cells
        gets its column as wide as its longest word (or the cells) and takes up to *most_lines* lines;
        the heading row grows to the tallest.  When the columns fit, every heading is one line again.
        """
        columns = self.ordered_columns
        if not columns:
            return
        contents = {column.key: 0 for column in columns}
        for row in self._data.values():
            for key, cell in row.items():
                if key in contents:
                    plain = cell.plain if isinstance(cell, Text) else str(cell)
                    contents[key] = max(contents[key], cell_len(plain))
        labels = {column.key: column.label.plain for column in columns}
        # the last column's right padding may fall off the edge
        wanted = sum(max(contents[c.key], cell_len(labels[c.key])) + 2 * self.cell_padding for c in columns)
        lines = 1
        for column in columns:
            label = labels[column.key]
            word = max((cell_len(w) for w in label.split()), default=0)
            if wanted - self.cell_padding > room and cell_len(label) > contents[column.key] and " " in label:
                width = max(contents[column.key], word)
                wrapped = Text(label, no_wrap=False, overflow="ellipsis", end="")
                count = len(wrapped.wrap(self.app.console, width))
                if count > most_lines:
                    width, count = cell_len(label), 1
                column.label = wrapped if count > 1 else ellipsis_cell(Text(label, no_wrap=True))
                column.width, column.auto_width = width, False
                lines = max(lines, count)
            else:
                column.label = ellipsis_cell(Text(label, no_wrap=True))
                column.width, column.auto_width = max(contents[column.key], cell_len(label)), False
        self.header_height = lines
        self._require_update_dimensions = True
        self._update_count += 1
        self._clear_caches()
        self.refresh()

    def on_resize(self, event) -> None:
        if self._width_rule is not None and event.size.width:
            set_column_widths(self, self._width_rule(event.size.width))

    def append_rows(self, rows) -> list[RowKey]:
        """Add (cells, key) rows of one-line `Text` cells at the end, as `add_row` one by one would.

        `add_row` does its bookkeeping per row (the cursor reactive set again) and bumps
        `_update_count`, which every render cache is keyed on: after a page of rows arrived, the
        rows already on screen were drawn again although nothing in them changed.  Here the rows
        are added in one pass and the caches of the rows already drawn are kept; the caches that
        depend on the number of rows (line offsets, the ordered rows) are cleared (blank lines below
        the last row are never cached).  If a new row widens a column, `_update_dimensions` bumps
        `_update_count` itself (docs/performance.md).  Rows with other cells (or a table without
        columns) go through `add_row`.
        """
        rows = [(tuple(ellipsis_cell(cell) for cell in cells), key) for cells, key in rows]
        columns = self.ordered_columns
        if not columns or any(
            len(cells) != len(columns) or not all(isinstance(c, Text) for c in cells) for cells, _ in rows
        ):
            return [self.add_row(*cells, key=key) for cells, key in rows]
        keys = []
        was_empty = self.row_count == 0
        row_index = self.row_count
        # Lines of the table (header included) before the new rows.
        old_lines = (self.header_height if self.show_header else 0) + self._total_row_height
        for cells, key in rows:
            row_key = RowKey(key)
            if row_key in self._row_locations:
                raise DuplicateKey(f"The row key {row_key!r} already exists.")
            self._row_locations[row_key] = row_index
            self._data[row_key] = {column.key: cell for column, cell in zip(columns, cells, strict=False)}
            self.rows[row_key] = Row(row_key, 1, None, False)
            self._new_rows.add(row_key)
            keys.append(row_key)
            row_index += 1
        if not keys:
            return keys
        self._offset_cache.clear()
        self._ordered_row_cache.clear()
        self._require_update_dimensions = True
        self.cursor_coordinate = self.cursor_coordinate
        if was_empty:
            # As add_row does for the first row: the cursor now has a cell to highlight.  Nothing
            # was drawn from rows yet, so a bump of the caches' key costs nothing here.
            self._update_count += 1
            if self.show_cursor and self.cursor_type != "none":
                self._highlight_cursor()
        if old_lines < self.scroll_offset.y + self.size.height:
            self.refresh()  # new rows come into view; otherwise only the scrollbar changes
        self.check_idle()
        return keys

    def _update_dimensions(self, new_rows) -> None:
        """Column widths from the new rows: one-line text rows measured by their text alone.

        DataTable measures every new cell through Rich (`textual.render.measure`, which asks the
        terminal its size for each cell): 1,800 cells for a page of the refusal list.  A `Text`
        measures as its widest line (`Text.__rich_measure__`), so that is taken straight from
        `cell_len`; rows with a label, of another height or with other renderables go to DataTable.
        """
        others = []
        columns = self.ordered_columns
        widths = self._render_widths()
        for row_key in new_rows:
            row_index = self._row_locations.get(row_key)
            row = self.rows.get(row_key)
            if row_index is None or row is None:
                continue  # removed before the table was idle: DataTable skips it too
            _label, cells = self._get_row_renderables(row_index)
            if row.label is not None or row.auto_height or not all(isinstance(c, Text) for c in cells):
                others.append(row_key)
                continue
            for column, cell in zip(columns, cells, strict=False):
                plain = cell.plain
                if "\n" in plain:
                    width = max((cell_len(line) for line in plain.splitlines()), default=0)
                else:
                    width = cell_len(plain)
                column.content_width = max(column.content_width, width)
        super()._update_dimensions(others)
        if self._render_widths() != widths:
            # A wider column moves every cell: what was drawn before is stale (add_row's bump of
            # _update_count covered this; append_rows leaves it to here).
            self._update_count += 1
            self.refresh()

    def _render_widths(self) -> tuple:
        """The drawn width of every column and of the row labels (a fixed width ignores its content)."""
        return (*(column.get_render_width(self) for column in self.ordered_columns), self._row_label_column_width)

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
            row_key,
            column_key,
            base_style,
            cursor,
            hover,
            self._show_hover_cursor,
            self._update_count,
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
            False,
            False,
            is_fixed,
            hover,
            cursor,
            self.show_cursor,
            self._show_hover_cursor,
            self.cursor_foreground_priority == "css",
            self.cursor_background_priority == "css",
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
        segments = [Segment(" " * pad, _NULL), *line, Segment(" " * pad, _NULL)] if pad else line
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
            lines = console.render_lines(
                cell, options.update_dimensions(width, 1).update(no_wrap=True), style=_NULL, pad=True
            )
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
