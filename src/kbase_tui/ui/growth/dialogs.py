"""Dialogs of the account manager's growth work: a line of an order, bringing a specialist in.

Each dismisses with its result, or None on Esc; ctrl+s saves.
"""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.widgets import Input, Label, OptionList, Static
from textual.widgets.option_list import Option

from kbase_tui.formatting import parse_signed_amount
from kbase_tui.formatting import today as business_today
from kbase_tui.i18n import _
from kbase_tui.protocol import catalog, specialists
from kbase_tui.protocol.catalog import OrderLineInput

from ..widgets.form_dialog import DialogBody, ErrorLine, FormDialog
from ..widgets.formats import DATE_FIELD_LENGTH, parse_amount, parse_date, show_amount, show_date


class OrderLineDialog(FormDialog):
    """One line: a product or a category from the catalog (type to filter), or a description alone."""

    # Five fields and the catalog's list: with bordered fields the description and the hint fell below 24 rows.
    COMPACT = True

    def __init__(self) -> None:
        super().__init__()
        self.choices: dict[str, tuple[str, int, str, Decimal | None]] = {}  # option id -> (kind, id, name, price)
        self.picked: tuple[str, int, str, Decimal | None] | None = None

    def compose(self) -> ComposeResult:
        with DialogBody():
            yield Static(Text(_("Order line")), classes="dialog-title")
            yield Label(_("Product or category (type to find; ↓ to choose)"))
            yield Input(id="line-find", max_length=200)
            yield OptionList(id="line-choices")
            yield Static(
                Text(_("Nothing chosen: Enter on a line of the list chooses it.")),
                id="line-picked",
                classes="dialog-hint",
            )
            with Horizontal(classes="row"):
                with Vertical():
                    yield Label(_("Quantity"))
                    yield Input(id="line-qty", max_length=14)
                with Vertical():
                    yield Label(_("Amount"))
                    yield Input(id="line-amount", max_length=20)
                with Vertical():
                    yield Label(_("Margin"))
                    yield Input(id="line-margin", max_length=20)
            yield Label(_("Description (for a one-off, without a product)"))
            yield Input(id="line-text", max_length=500)
            yield ErrorLine()
            yield Static(
                Text(_("Enter in the last field or ctrl+s adds the line; Esc cancels.")), classes="dialog-hint"
            )

    def on_mount(self) -> None:
        self.query_one("#line-find", Input).focus()
        self._find("")

    @on(Input.Changed, "#line-find")
    def _changed(self, event: Input.Changed) -> None:
        self._find(event.value)

    def _find(self, text: str) -> None:
        self.call(
            catalog.categories, done=lambda found: self._categories(found, text), group="line-cat", exclusive=True
        )

    def _categories(self, found, text: str) -> None:
        needle = text.strip().casefold().replace("ё", "е")
        self._found_categories = [c for c in found if needle in c.name.casefold().replace("ё", "е")]
        self.call(
            catalog.products, find=text.strip(), limit=30, done=self._products, group="line-products", exclusive=True
        )

    def _products(self, page) -> None:
        options = self.query_one("#line-choices", OptionList)
        options.clear_options()
        self.choices = {}
        for category in getattr(self, "_found_categories", [])[:10]:
            key = f"c{category.id}"
            self.choices[key] = ("category", category.id, category.name, None)
            options.add_option(Option(Text.assemble(("▸ ", "bold"), (category.name, "bold")), id=key))
        for product in page.rows:
            key = f"p{product.id}"
            self.choices[key] = ("product", product.id, product.name, product.price)
            label = Text(product.name)
            label.append(f"  {product.category_name}", style="dim")
            if product.price is not None:
                label.append(f"  {show_amount(product.price)}", style="dim")
            options.add_option(Option(label, id=key))

    @on(Input.Submitted)
    def _submitted(self, event: Input.Submitted) -> None:
        if event.input.id == "line-text":
            self.action_save()
        elif event.input.id == "line-find":
            self._to_choices()
        else:
            self.focus_next()

    def _to_choices(self) -> None:
        options = self.query_one("#line-choices", OptionList)
        if options.option_count:
            options.focus()
            if options.highlighted is None:
                options.highlighted = 0

    def on_key(self, event) -> None:
        # ↓ from the search field goes into the list it filters.
        if event.key == "down" and self.focused is self.query_one("#line-find", Input):
            event.stop()
            self._to_choices()

    @on(OptionList.OptionSelected, "#line-choices")
    def _chosen(self, event: OptionList.OptionSelected) -> None:
        self.picked = self.choices.get(event.option.id or "")
        if self.picked is not None:
            kind = _("category") if self.picked[0] == "category" else _("product")
            self.query_one("#line-picked", Static).update(Text(f"{kind}: {self.picked[2]}"))
        self.query_one("#line-qty", Input).focus()

    def action_save(self) -> None:
        choice = self.picked
        try:
            quantity_text = self.query_one("#line-qty", Input).value.strip().replace(",", ".")
            quantity = Decimal(quantity_text) if quantity_text else None
            amount_text = self.query_one("#line-amount", Input).value
            amount = parse_amount(amount_text) if amount_text.strip() else None
            margin = parse_signed_amount(self.query_one("#line-margin", Input).value)
        except (ValueError, ArithmeticError) as error:
            self.show_error(str(error) or _("The quantity is not valid."))
            return
        text = self.query_one("#line-text", Input).value.strip()
        if amount is None and choice is not None and choice[3] is not None:
            amount = (choice[3] * (quantity or 1)).quantize(Decimal("0.01"))  # the list price
        if not amount or amount <= 0:
            self.show_error(_("Enter the amount of every line."))
            self.query_one("#line-amount", Input).focus()
            return
        if choice is None and not text:
            self.show_error(_("Every line needs a product, a category or a description."))
            return
        kind, ident, name, _price = choice if choice else ("", None, "", None)
        line = OrderLineInput(
            amount=amount,
            product_id=ident if kind == "product" else None,
            category_id=ident if kind == "category" else None,
            text=text,
            quantity=quantity,
            margin=margin,
        )
        self.dismiss((line, text or name))


class BringInDialog(FormDialog):
    """Bring a specialist into the client: who, what for, when."""

    def __init__(self, company_id: int, company_name: str) -> None:
        super().__init__()
        self.company_id = company_id
        self.company_name = company_name

    def compose(self) -> ComposeResult:
        with DialogBody():
            yield Static(
                Text(_("Bring a specialist in: {name}").format(name=self.company_name)), classes="dialog-title"
            )
            yield Label(_("Specialist (↑↓)"))
            yield OptionList(id="bring-who")
            yield Label(_("Task or visit"))
            yield Input(id="bring-text", max_length=2000)
            yield Label(_("Date (dd.mm.yyyy)"))
            yield Input(show_date(business_today() + timedelta(days=1)), id="bring-due", max_length=DATE_FIELD_LENGTH)
            yield ErrorLine()
            yield Static(
                Text(_("The specialist sees this client's card until the task is closed. Ctrl+S saves.")),
                classes="dialog-hint",
            )

    def on_mount(self) -> None:
        self.query_one("#bring-who", OptionList).focus()
        self.call(specialists.people, done=self._people, failed=self.load_failed)

    def _people(self, people) -> None:
        options = self.query_one("#bring-who", OptionList)
        for person in people:
            options.add_option(Option(Text(person.name), id=str(person.id)))
        if not people:
            self.show_error(_("There is no specialist yet: the administrator adds users with the role specialist."))
        else:
            options.highlighted = 0

    @on(OptionList.OptionSelected, "#bring-who")
    def _chosen(self) -> None:
        self.query_one("#bring-text", Input).focus()

    @on(Input.Submitted)
    def _submitted(self, event: Input.Submitted) -> None:
        if event.input.id == "bring-due":
            self.action_save()
        else:
            self.focus_next()

    def action_save(self) -> None:
        options = self.query_one("#bring-who", OptionList)
        if options.highlighted is None:
            self.show_error(_("Choose an active specialist."))
            return
        who = int(options.get_option_at_index(options.highlighted).id or 0)
        try:
            due = parse_date(self.query_one("#bring-due", Input).value)
        except ValueError as error:
            self.show_error(str(error))
            return
        if due is None:
            self.show_error(_("Enter the date of the task or visit."))
            return
        self.save_with(specialists.bring_in, self.company_id, who, self.value("#bring-text"), due)


class SpecialistTasksDialog(FormDialog):
    """The specialists' open tasks at one client; Enter closes the highlighted one (their access ends with it)."""

    def __init__(self, company_id: int, company_name: str) -> None:
        super().__init__()
        self.company_id = company_id
        self.company_name = company_name
        self.tasks: list = []

    def compose(self) -> ComposeResult:
        with DialogBody():
            yield Static(Text(_("Specialists at {name}").format(name=self.company_name)), classes="dialog-title")
            yield OptionList(id="specialist-tasks")
            yield Label(_("Result (optional)"))
            yield Input(id="specialist-result", max_length=2000)
            yield ErrorLine()
            yield Static(
                Text(_("Enter or ctrl+s closes the highlighted task: the specialist no longer sees this client.")),
                classes="dialog-hint",
            )

    def on_mount(self) -> None:
        self.query_one(OptionList).focus()
        self.call(specialists.open_tasks, self.company_id, done=self._tasks, failed=self.load_failed)

    def _tasks(self, tasks) -> None:
        self.tasks = list(tasks)
        options = self.query_one(OptionList)
        for task in self.tasks:
            # open_tasks puts the specialist's name where a task list shows the company's
            options.add_option(Option(Text.assemble((task.company_name, "bold"), "  ", task.text.splitlines()[0])))
        if self.tasks:
            options.highlighted = 0
        else:
            self.show_error(_("No specialist is working with this client."))

    @on(OptionList.OptionSelected, "#specialist-tasks")
    @on(Input.Submitted, "#specialist-result")
    def _enter(self) -> None:
        self.action_save()

    def action_save(self) -> None:
        index = self.query_one(OptionList).highlighted
        if index is None or not 0 <= index < len(self.tasks):
            return
        self.save_with(specialists.close, self.tasks[index].id, self.value("#specialist-result"))
