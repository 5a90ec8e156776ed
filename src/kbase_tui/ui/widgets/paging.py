"""Page keys for the supervisor's lists that load one page at a time from a service.

A screen using `PagedList` keeps `page_offset` (the first row asked for), `page`
(the last page, with `.total`) and a `reload()` that asks for the page at
`page_offset`; bind `n` / `p` to `page(1)` / `page(-1)`.
"""

from __future__ import annotations

PAGE = 100  # rows per page: DataTable measures every cell, so pages stay small


class PagedList:
    page_offset: int
    page: object | None

    def reload(self) -> None:  # pragma: no cover - provided by the screen
        raise NotImplementedError

    def action_page(self, delta: int) -> None:
        """Next (1) or previous (-1) page; nothing past either end."""
        if self.page is None:
            return
        offset = self.page_offset + delta * PAGE
        if offset < 0 or offset >= max(self.page.total, 1):  # type: ignore[attr-defined]
            return
        self.page_offset = offset
        self.reload()
