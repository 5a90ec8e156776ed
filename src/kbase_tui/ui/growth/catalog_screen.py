"""The catalog, for the head of sales: products by category; add or change a category or a product, and read
a price list or a 1C nomenclature list (CSV or XLSX) from the server's inbox.
"""

from __future__ import annotations

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import Checkbox, DataTable, Header, Input, Label, Select, Static

from kbase_tui.formatting import quoted
from kbase_tui.i18n import _, pgettext
from kbase_tui.protocol import catalog, importer

from ..base import KbaseScreen
from ..widgets.footer import KeyFooter
from ..widgets.form_dialog import DialogBody, ErrorLine, FormDialog
from ..widgets.formats import parse_amount, show_amount
from ..widgets.table import ListTable

PAGE = 500


class CategoryDialog(FormDialog):
    COMPACT = True

    def __init__(self, category=None) -> None:
        super().__init__()
        self.category = category

    def compose(self) -> ComposeResult:
        with DialogBody():
            title = _("Change the category") if self.category else _("New category")
            yield Static(Text(title), classes="dialog-title")
            yield Label(_("Name"))
            yield Input(self.category.name if self.category else "", id="category-name", max_length=200)
            yield Checkbox(_("In use"), self.category.active if self.category else True, id="category-active")
            yield ErrorLine()
            yield Static(Text(_("Ctrl+S saves, Esc cancels.")), classes="dialog-hint")

    def on_mount(self) -> None:
        self.query_one(Input).focus()

    @on(Input.Submitted)
    def _submitted(self) -> None:
        self.action_save()

    def action_save(self) -> None:
        self.save_with(
            catalog.save_category,
            self.query_one(Input).value,
            category_id=self.category.id if self.category else None,
            active=self.query_one(Checkbox).value,
        )


class ProductDialog(FormDialog):
    COMPACT = True

    def __init__(self, categories, product=None) -> None:
        super().__init__()
        self.categories = categories
        self.product = product

    def compose(self) -> ComposeResult:
        p = self.product
        with DialogBody():
            yield Static(Text(_("Change the product") if p else _("New product")), classes="dialog-title")
            yield Label(_("Category"))
            yield Select(
                [(Text(c.name), c.id) for c in self.categories],
                value=p.category_id if p else Select.NULL,
                prompt=_("Choose a category"),
                id="product-category",
            )
            yield Label(_("Name"))
            yield Input(p.name if p else "", id="product-name", max_length=300)
            yield Label(_("Code (article)"))
            yield Input(p.code if p else "", id="product-code", max_length=64)
            yield Label(_("Unit"))
            yield Input(p.unit if p else "", id="product-unit", max_length=16)
            yield Label(_("Price"))
            yield Input(show_amount(p.price) if p and p.price is not None else "", id="product-price", max_length=20)
            yield Checkbox(_("In use"), p.active if p else True, id="product-active")
            yield ErrorLine()
            yield Static(Text(_("Ctrl+S saves, Esc cancels.")), classes="dialog-hint")

    def on_mount(self) -> None:
        self.query_one("#product-category" if self.product is None else "#product-name").focus()

    def action_save(self) -> None:
        category = self.query_one("#product-category", Select).value
        if not isinstance(category, int):
            self.show_error(_("Choose a category."))
            return
        raw = self.query_one("#product-price", Input).value
        try:
            price = parse_amount(raw) if raw.strip() else None
        except ValueError as error:
            self.show_error(str(error))
            return
        self.save_with(
            catalog.save_product,
            category,
            self.query_one("#product-name", Input).value,
            product_id=self.product.id if self.product else None,
            code=self.query_one("#product-code", Input).value,
            unit=self.query_one("#product-unit", Input).value,
            price=price,
            active=self.query_one("#product-active", Checkbox).value,
        )


class PriceListDialog(FormDialog):
    """A price list or a 1C nomenclature list from the server's inbox."""

    COMPACT = True

    def compose(self) -> ComposeResult:
        with DialogBody():
            yield Static(Text(_("Read a price list into the catalog")), classes="dialog-title")
            yield Label(
                _(
                    "A CSV or XLSX file in the server's inbox, with a name column (Наименование, Номенклатура, Товар) "
                    "and, if there are, code, category (Группа), unit and price. A 1C list without a category column "
                    "takes its groups from the group rows. Products already in the catalog are updated."
                )
            )
            yield Select([], prompt=_("Loading the inbox…"), id="price-file")
            yield ErrorLine()
            yield Static(Text(_("Ctrl+S reads the file, Esc cancels.")), classes="dialog-hint")

    def on_mount(self) -> None:
        self.query_one(Select).focus()
        self.call(importer.inbox, done=self._inbox, failed=self.load_failed)

    def _inbox(self, files) -> None:
        select = self.query_one(Select)
        select.set_options([(Text(f.name), f.name) for f in files])
        select.prompt = _("Choose a file") if files else _("The inbox is empty")
        if files:
            select.value = files[0].name

    def action_save(self) -> None:
        name = self.query_one(Select).value
        if not isinstance(name, str):
            self.show_error(_("Choose a file."))
            return
        self.save_with(catalog.import_file, name, busy=_("Reading…"))


def catalog_widths(width: int) -> dict[str, int]:
    """The catalog's columns for a table *width* wide: the product's name takes what the others leave
    ("1 250 000,50" fits the price at 80 columns); from 120 columns the category and the unit ("канистра 20 л")
    are whole.  What does not fit ends in "…", never cut after a digit ("уп. 10 шт." read as "уп. 1")."""
    category, unit = (22, 14) if width >= 120 else (16, 5)
    return {"category": category, "unit": unit, "name": max(20, width - 56 - (category - 16) - (unit - 5))}


class CatalogScreen(KbaseScreen):
    CSS_PATH = "growth.tcss"
    HELP = _(
        "The catalog: products by category. n adds a product, e (or Enter) changes the highlighted one, "
        "c adds a category, k changes the highlighted product's category, i reads a price list or a 1C "
        "nomenclature list from the server's inbox, / finds by name or code. Esc goes back."
    )
    BINDINGS = [
        Binding("n", "new_product", _("New product"), id="growth.catalog.new_product"),
        Binding("e", "edit_product", _("Change"), id="growth.catalog.edit"),
        Binding("c", "new_category", _("New category"), id="growth.catalog.new_category"),
        Binding("k", "edit_category", _("Change category"), show=False, id="growth.catalog.edit_category"),
        Binding("i", "import_file", _("Price list"), id="growth.catalog.import"),
        Binding("slash", "find", _("Find"), id="growth.catalog.find"),
        Binding("escape", "back", _("Back"), id="growth.catalog.back"),
        Binding("f1", "app.help", _("Keys"), id="growth.catalog.help"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.categories: list = []
        self.products: list = []
        self.search = ""

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static("", id="catalog-summary")
        yield Input(placeholder=_("Find by name or code (Enter)"), id="catalog-find", max_length=200)
        yield ListTable(id="catalog-table", cursor_type="row", zebra_stripes=True)
        yield KeyFooter()

    def on_mount(self) -> None:
        self.title = _("Catalog")
        self.query_one("#catalog-find").display = False
        table = self.query_one(ListTable)
        table.add_column(_("Category"), width=16, key="category")
        table.add_column(_("Product"), width=20, key="name")
        table.add_column(_("Code"), width=10, key="code")
        table.add_column(pgettext("column", "Unit"), width=5, key="unit")
        table.add_column(_("Price"), width=12, key="price")
        table.fit_columns(catalog_widths)
        table.focus()
        self.reload()

    def reload(self) -> None:
        self.call(catalog.categories, include_inactive=True, done=self._categories, group="cat", exclusive=True)

    def _categories(self, found) -> None:
        self.categories = list(found)
        self.call(
            catalog.products,
            find=self.search,
            include_inactive=True,
            limit=PAGE,
            done=self._products,
            group="products",
            exclusive=True,
        )

    def _products(self, page) -> None:
        self.products = list(page.rows)
        table = self.query_one(ListTable)
        cursor = table.cursor_row
        table.clear()
        table.append_rows(
            (
                (
                    Text(p.category_name, style=style, no_wrap=True, overflow="ellipsis"),
                    Text(p.name, style=style, no_wrap=True, overflow="ellipsis"),
                    Text(p.code, style=style, no_wrap=True, overflow="ellipsis"),
                    Text(p.unit, style=style, no_wrap=True, overflow="ellipsis"),
                    Text(show_amount(p.price) if p.price is not None else "", justify="right", style=style),
                ),
                str(p.id),
            )
            for p in self.products
            for style in ("" if p.active else "dim strike",)
        )
        if self.products:
            table.move_cursor(row=min(cursor, len(self.products) - 1))
        text = Text()
        text.append(_("Categories: {n}").format(n=len(self.categories)), style="bold")
        text.append(" · " + _("products: {n}").format(n=page.total), style="dim")
        if self.search:
            text.append(" · " + _("found by {text}").format(text=quoted(self.search)), style="dim")
        if page.total > len(self.products):
            text.append(" · " + _("the first {n} shown; / finds the others").format(n=len(self.products)), style="dim")
        empty = [c.name for c in self.categories if not c.products]
        if empty:
            text.append("\n" + _("Without products: ") + ", ".join(empty), style="dim")
        self.query_one("#catalog-summary", Static).update(text)

    @property
    def selected(self):
        index = self.query_one(DataTable).cursor_row
        return self.products[index] if 0 <= index < len(self.products) else None

    def _saved(self, result) -> None:
        if result is not None:
            self.reload()

    def action_new_product(self) -> None:
        if not self.categories:
            self.app.notify(_("Add a category first (c)."), timeout=4)
            return
        self.app.push_screen(ProductDialog([c for c in self.categories if c.active]), self._saved)

    def action_edit_product(self) -> None:
        if self.selected is not None:
            self.app.push_screen(ProductDialog(self.categories, self.selected), self._saved)

    def action_new_category(self) -> None:
        self.app.push_screen(CategoryDialog(), self._saved)

    def action_edit_category(self) -> None:
        product = self.selected
        category = next((c for c in self.categories if product and c.id == product.category_id), None)
        if category is not None:
            self.app.push_screen(CategoryDialog(category), self._saved)

    def action_import_file(self) -> None:
        self.app.push_screen(PriceListDialog(), self._imported)

    def _imported(self, report) -> None:
        if report is None:
            return
        message = _("{file}: {rows} rows, {added} products added, {updated} updated, {cats} new categories").format(
            file=report.file,
            rows=report.rows,
            added=report.products_added,
            updated=report.products_updated,
            cats=report.categories_added,
        )
        if report.rejected:
            message += "\n" + _("Not read: ") + "; ".join(report.rejected[:3])
        self.app.notify(message, timeout=10, markup=False)
        self.reload()

    @on(DataTable.RowSelected)
    def _row_selected(self) -> None:
        self.action_edit_product()

    def action_find(self) -> None:
        find = self.query_one("#catalog-find", Input)
        find.display = True
        find.focus()

    @on(Input.Submitted, "#catalog-find")
    def _found(self, event: Input.Submitted) -> None:
        self.search = event.value.strip()
        event.input.display = bool(self.search)
        self.query_one(DataTable).focus()
        self.reload()

    def action_back(self) -> None:
        if self.query_one("#catalog-find", Input).has_focus:
            self.query_one(DataTable).focus()
            return
        self.app.pop_screen()
