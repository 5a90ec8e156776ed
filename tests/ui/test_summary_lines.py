"""Summary lines at 80 columns break between figures, never inside one."""

from __future__ import annotations

from rich.text import Text

from kbase_tui.ui.widgets.formats import entries_in_lines


def test_a_figure_is_never_broken_from_its_label():
    entries = [Text("клиентов: 85 · загружено 85"), Text("на сегодня: 20"), Text("контроль качества: 4")]
    entries.append(Text("возвраты: 10"))
    joined = entries_in_lines(entries, Text("  "), 78)
    lines = joined.plain.split("\n")
    assert lines == ["клиентов: 85 · загружено 85  на сегодня: 20  контроль качества: 4", "возвраты: 10"]
    assert all(len(line) <= 78 for line in lines)


def test_everything_on_one_line_when_it_fits():
    joined = entries_in_lines([Text("a: 1"), Text("b: 2")], Text(" │ "), 80)
    assert joined.plain == "a: 1 │ b: 2"
