"""The page keys shared by the supervisor's lists: forward, back, and nothing past either end."""

from __future__ import annotations

from types import SimpleNamespace

from kbase_tui.ui.widgets.paging import PAGE, PagedList


class _List(PagedList):
    def __init__(self, total: int) -> None:
        self.page_offset = 0
        self.page = SimpleNamespace(total=total)
        self.asked: list[int] = []

    def reload(self) -> None:
        self.asked.append(self.page_offset)


def test_pages_forward_and_back_and_stops_at_both_ends():
    rows = _List(total=PAGE * 2 + 5)
    rows.action_page(-1)  # already on the first page
    rows.action_page(1)
    rows.action_page(1)
    rows.action_page(1)  # past the last page
    rows.action_page(-1)
    assert rows.asked == [PAGE, PAGE * 2, PAGE]


def test_nothing_happens_before_the_first_page_arrived():
    rows = _List(total=10)
    rows.page = None
    rows.action_page(1)
    assert rows.asked == []
