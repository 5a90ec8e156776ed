"""ListTable draws every cell exactly as DataTable does (ui/widgets/table.py), only cheaper."""

from __future__ import annotations

import pytest
from rich.text import Text
from textual.app import App, ComposeResult
from textual.widgets import DataTable

from kbase_tui.ui.widgets.table import ListTable, ellipsis_cell
from tests.conftest import svg_screen_text

CELLS = [
    Text("ООО «Ромашка 12»", style="bold red"),
    Text("Москва"),
    Text("12 345,00", justify="right"),
    Text(""),
    Text("✓", style="bold"),
    Text("一二三四五六七八九十 wide and long enough to be cut", style="green"),
    Text("😀 emoji"),
    Text.assemble(("a", "bold"), ("b", "italic red"), "c"),
    Text("ellipsis cut " * 5, overflow="ellipsis"),
    Text("center", justify="center"),
    "[b]markup[/b] string",
    None,
    12.5,
    Text("tab\there"),
    Text("trailing spaces   ", style="underline"),
    Text("left and cut here", justify="left", overflow="crop"),
    Text("right but longer than the cell", justify="right", style="on blue"),
    Text("exactly9!"),
    Text("no end", end=""),
    Text.from_markup("[bold]Рога[/] и [i red]Копыта[/]"),
    Text("wrap me please", no_wrap=False),
    Text("full justify", justify="full"),
]


class Tables(App):
    def __init__(self, table_class: type[DataTable]) -> None:
        super().__init__()
        self.table_class = table_class

    def compose(self) -> ComposeResult:
        yield self.table_class(zebra_stripes=True)

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        # DataTable is given what ListTable makes of its labels and cells (plain labels; a text that says
        # nothing of its overflow ends in "…"): the drawing is compared, not that choice.
        plain = not isinstance(table, ListTable)

        def label(text: str):
            return ellipsis_cell(Text(text, no_wrap=True)) if plain else text

        table.add_column(label("✓"), key="sel", width=1)
        table.add_column(label("Fixed"), key="fixed", width=9)
        table.add_column(label("Auto"), key="auto")
        for n, cell in enumerate(CELLS):
            if plain:
                cell = ellipsis_cell(cell)
            table.add_row(ellipsis_cell(Text(" ")), cell, cell, key=str(n))
        table.add_row("x", Text("two\nlines"), "y", key="tall", height=None)


async def draw_every_cell(
    table_class: type[DataTable], cursor_type: str, *, focused: bool = True, changed: bool = False
) -> dict:
    """Every cell of the table, drawn with and without the cursor and the hover, by (row, column, ...)."""
    app = Tables(table_class)
    async with app.run_test(size=(100, 60)) as pilot:
        table = app.query_one(DataTable)
        table.cursor_type = cursor_type
        table.move_cursor(row=2, column=1)
        if not focused:
            table.blur()
        if changed:
            table.update_cell("0", "sel", ellipsis_cell(Text("✓", style="bold")))
        await pilot.pause()
        base = table.rich_style
        drawn = {
            "widths": [c.content_width for c in table.ordered_columns],
            "size": table.virtual_size,
            "heights": [r.height for r in table.ordered_rows],
        }
        for row in range(-1, table.row_count):
            for column in range(len(table.columns)):
                width = table.ordered_columns[column].get_render_width(table)
                for cursor in (False, True):
                    for hover in (False, True):
                        drawn[row, column, cursor, hover] = table._render_cell(row, column, base, width, cursor, hover)
        return drawn


@pytest.mark.parametrize("focused", [True, False])
@pytest.mark.parametrize("cursor_type", ["row", "cell"])
async def test_every_cell_draws_the_same_as_in_datatable(cursor_type, focused):
    expected = await draw_every_cell(DataTable, cursor_type, focused=focused)
    got = await draw_every_cell(ListTable, cursor_type, focused=focused)
    assert got.keys() == expected.keys()
    assert got["widths"] == expected["widths"] and got["size"] == expected["size"]
    for key in expected:
        assert got[key] == expected[key], key


async def test_a_changed_cell_is_drawn_again():
    expected = await draw_every_cell(DataTable, "row", changed=True)
    got = await draw_every_cell(ListTable, "row", changed=True)
    assert got == expected
    assert "✓" in "".join(segment.text for segment in got[0, 0, False, False][0])


async def test_text_cells_take_the_short_way(monkeypatch):
    calls = []
    original = ListTable._one_line
    monkeypatch.setattr(ListTable, "_one_line", lambda self, *args: calls.append(1) or original(self, *args))
    await draw_every_cell(ListTable, "row")
    # at least each one-line cell once (more with the cursor, the hover and the paints between)
    assert len(calls) >= len(CELLS) * 3


# --- append_rows: a page added at the end draws as add_row one by one would ---------------------


def page(start: int, wide: bool = False, count: int = 50) -> list:
    def name(n: int) -> Text:
        return Text(("a much wider name " if wide and n == start + 3 else "name ") + str(n))

    return [
        (
            (
                Text(" "),
                Text(f"{n:05d}", style="bold red" if n % 7 == 0 else ""),
                name(n),
                Text(str(n), justify="right"),
            ),
            str(n),
        )
        for n in range(start, start + count)
    ]


class Pages(App):
    def __init__(self, batched: bool, first: int = 50) -> None:
        super().__init__()
        self.batched = batched
        self.first = first

    def compose(self) -> ComposeResult:
        yield ListTable(zebra_stripes=True, cursor_type="row")

    def on_mount(self) -> None:
        table = self.query_one(ListTable)
        table.add_column("✓", key="sel", width=1)
        table.add_column("No", key="no")
        table.add_column("Name", key="name")
        table.add_column("Sum", key="sum", width=6)
        self.add(page(0, count=self.first))

    def add(self, rows) -> None:
        table = self.query_one(ListTable)
        if self.batched:
            table.append_rows(rows)
        else:
            for cells, key in rows:
                table.add_row(*cells, key=key)


async def screens_while_paging(batched: bool, first: int = 50) -> list:
    """What the terminal shows after each step: keys pressed, pages appended (one widens a column)."""
    app = Pages(batched, first)
    shown = []
    async with app.run_test(size=(60, 20)) as pilot:
        table = app.query_one(ListTable)
        table.focus()
        for step in range(6):
            await pilot.press("pagedown")
            if step in (1, 3, 4):
                app.add(page(first + 50 * step, wide=step == 3))
            await pilot.pause()
            shown.append(
                (
                    app.export_screenshot(),
                    table.cursor_coordinate,
                    table.row_count,
                    table.virtual_size,
                    [c.get_render_width(table) for c in table.ordered_columns],
                )
            )
    return shown


@pytest.mark.parametrize("first", [50, 5])  # 5: the first page does not fill the table, the next shows at once
async def test_appended_pages_show_as_added_rows(first):
    assert await screens_while_paging(True, first) == await screens_while_paging(False, first)


async def test_appending_to_an_empty_table_highlights_the_first_row():
    class Empty(App):
        highlighted: list = []

        def compose(self) -> ComposeResult:
            yield ListTable(cursor_type="row")

        def on_mount(self) -> None:
            self.query_one(ListTable).add_column("Name", key="name")

        def on_data_table_row_highlighted(self, event: DataTable.RowHighlighted) -> None:
            self.highlighted.append(event.cursor_row)

    app = Empty()
    async with app.run_test(size=(40, 10)) as pilot:
        table = app.query_one(ListTable)
        table.append_rows([((Text("first"),), "1"), ((Text("second"),), "2")])
        await pilot.pause()
        assert table.row_count == 2 and app.highlighted == [0]
        await pilot.press("down")
        assert app.highlighted == [0, 1]


async def test_a_row_drawn_before_the_table_measured_it_is_drawn_again_at_full_width():
    """A row added and drawn before the table is idle (where it measures new rows) was kept in the row cache
    at the heading's width: DataTable keys that cache on a counter its measuring does not bump.  ListTable
    bumps it when a column widens."""

    class OneTable(App):
        def compose(self) -> ComposeResult:
            yield ListTable(id="t", cursor_type="row", zebra_stripes=True)

    app = OneTable()
    async with app.run_test(size=(80, 10)) as pilot:
        table = app.query_one(ListTable)
        table.add_column("Items", key="items")
        table.focus()
        await pilot.pause()
        table.add_row(Text("Просят КП на арматуру, перезвонить после совещания"), key="1")
        table.add_row(Text("Второй заказ"), key="2")
        from textual.widgets.data_table import RowKey

        def drawn(key: str) -> str:
            fixed, scrollable = table._render_line_in_row(
                RowKey(key), 0, table.rich_style, table.cursor_coordinate, table.hover_coordinate
            )
            return "".join(segment.text for line in (*fixed, *scrollable) for segment in line)

        await pilot.pause()  # settled: the cursor on the first row, the rows measured
        before = drawn("1")
        table.add_row(Text("Третий заказ: " + "арматура, " * 8), key="3")  # wider than the column
        assert drawn("1") == before  # drawn again before the table measured the new row
        table._require_update_dimensions = False  # measured now, as the table's idle handler does
        table._update_dimensions(list(table._new_rows))
        table._new_rows.clear()
        assert len(drawn("3")) > len(before)
        assert len(drawn("1")) == len(drawn("3")), "the first row is still drawn at the column's old width"


def test_every_table_of_the_app_is_a_list_table():
    """A plain DataTable shows the stale rows above; every table kbase shows is a ListTable."""
    import ast
    from pathlib import Path

    import kbase_tui.ui

    root = Path(kbase_tui.ui.__file__).parent
    plain = []
    for path in sorted(root.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call) and getattr(node.func, "id", getattr(node.func, "attr", "")) == "DataTable":
                plain.append(f"{path.relative_to(root)}:{node.lineno}")
    assert not plain, f"plain DataTables: {plain}"


async def test_a_cut_cell_and_a_cut_heading_end_in_an_ellipsis():
    """A text cut at its column's edge ends in "…" ("Мария Соколо" read as a whole name); a heading too,
    and a heading is plain text."""

    class Cut(App):
        def compose(self) -> ComposeResult:
            yield ListTable(cursor_type="row")

        def on_mount(self) -> None:
            table = self.query_one(ListTable)
            table.add_column("Менеджер", key="manager", width=7)
            table.add_column("Последний", key="last", width=6)
            table.add_column("[b]Сумма[/b]", key="sum")
            table.add_column("Код", key="code", width=3)
            table.add_row(Text("Мария Соколова"), Text("07.12.2026 06:02"), Text("1"), Text("12345"), key="1")
            table.append_rows([((Text("Игорь Лебедев"), Text("сегодня"), Text("2"), Text("123")), "2")])
            table.update_cell("1", "sum", Text("3 000 000"), update_width=True)

    app = Cut()
    async with app.run_test(size=(60, 6)) as pilot:
        await pilot.pause()
        header, first, second = svg_screen_text(app.export_screenshot())[:3]
    assert " Менедж… " in header and " После… " in header and "[b]Сумма[/b]" in header
    assert " Мария … " in first and " 07.12… " in first and "3 000 000" in first and first.endswith(" 12…")
    assert " Игорь … " in second and " сегод… " in second and second.endswith(" 123")


def test_share_room_keeps_columns_on_the_screen():
    from kbase_tui.ui.widgets.table import share_room

    columns = [("date", 16, 16), ("name", 30, 10), ("by", 16, 6), ("rest", None, 7)]
    wide = share_room(200, columns)
    assert wide == {"date": 16, "name": 30, "by": 16, "rest": 200 - 2 - 8 - 62}
    narrow = share_room(60, columns)  # room 50: the widest that may shrink give up room first
    assert sum(narrow.values()) == 50 and narrow["date"] == 16 and narrow["rest"] == 7
    assert narrow["name"] >= 10 and narrow["by"] >= 6
    assert share_room(20, columns) == {"date": 16, "name": 10, "by": 6, "rest": 7}  # never below the least


async def test_headings_wrap_at_their_spaces_when_the_columns_do_not_fit():
    class Report(App):
        def compose(self) -> ComposeResult:
            yield ListTable()

        def on_mount(self) -> None:
            table = self.query_one(ListTable)
            table.add_columns("Оператор", "Конверсия, %", "Звонков в час")
            table.add_row(Text("Анна Кузнецова"), Text("2,2"), Text("45,0"))

    app = Report()
    async with app.run_test(size=(40, 6)) as pilot:
        table = app.query_one(ListTable)
        table.wrap_headings(36)
        await pilot.pause()
        lines = svg_screen_text(app.export_screenshot())
        assert table.header_height == 2
        assert "Конверсия," in lines[0] and "Звонков" in lines[0] and "%" in lines[1] and "в час" in lines[1]
        assert "Анна Кузнецова" in lines[2] and "45,0" in lines[2]
        table.wrap_headings(80)  # room again: one line
        await pilot.pause()
        assert table.header_height == 1 and [c.width for c in table.ordered_columns] == [14, 12, 13]


async def test_end_and_home_go_to_the_last_and_the_first_row_of_a_list():
    # F1 says End goes "to the end": on a list of rows it scrolled sideways and left the cursor on the first row, so
    # Enter after End opened the first row's card.
    class Rows(App):
        def compose(self) -> ComposeResult:
            yield ListTable(cursor_type="row")

        def on_mount(self) -> None:
            table = self.query_one(ListTable)
            table.add_column("Name", key="name")
            table.append_rows([((Text(f"row {n}"),), str(n)) for n in range(30)])
            table.focus()

    app = Rows()
    async with app.run_test(size=(40, 10)) as pilot:
        table = app.query_one(ListTable)
        await pilot.press("end")
        assert table.cursor_row == 29
        await pilot.press("home")
        assert table.cursor_row == 0
