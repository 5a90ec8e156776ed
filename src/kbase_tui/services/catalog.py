"""The catalog (product categories and products) and the lines of an order.

- The head of sales edits the catalog (`save_category`, `save_product`) or reads it from a price list or
  a 1C nomenclature list (`import_price_list`): CSV in any of the importer's encodings and separators, or
  XLSX, read by the importer's own file reader.  The header row is found among the first rows by the
  column names; a list without a category column takes its categories from group rows (a row with a name
  and neither code nor price, as 1C prints the groups of its nomenclature).  A product already in the
  catalog (the same code, else the same name in the same category) is updated, not added twice.
- Account managers read the catalog to fill an order's lines.  `prepare_lines` checks the lines a person
  typed before any transaction; `write_lines` stores them with the order (`accounts.record_order`).  A
  line names a product (its category follows), or a whole category, or is free text for a one-off; an
  order recorded without lines gets one free-text line, so every order has lines and they add up to it.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from pathlib import Path

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from kbase_tui.formatting import amount_digits
from kbase_tui.i18n import _
from kbase_tui.models import ClientOrder, OrderLine, Product, ProductCategory, utcnow
from kbase_tui.protocol.catalog import (
    CatalogImportReport,
    CategoryInfo,
    OrderLineInfo,
    OrderLineInput,
    ProductInfo,
    ProductPage,
)

from . import audit
from .db import Database
from .dto import Actor
from .errors import AccessDenied, NotFound, ValidationFailed
from .importing.sources import BrokenRow
from .policy import Capability, may, require, require_active_user, require_company
from .text import clean_input, fold
from .views import audited_view

MAX_AMOUNT = Decimal("1e14")
MAX_QUANTITY = Decimal("1e11")
MAX_LINES = 200
HEADER_SCAN = 15
MAX_REJECTS = 100

# Column names of price lists and 1C nomenclature exports, folded (services.text.fold).
HEADERS: dict[str, tuple[str, ...]] = {
    "code": ("код", "артикул", "арт", "код номенклатуры", "sku", "code", "article", "item code"),
    "name": (
        "наименование",
        "номенклатура",
        "товар",
        "наименование товара",
        "полное наименование",
        "name",
        "product",
        "item",
        "description",
    ),
    "category": (
        "категория",
        "группа",
        "товарная группа",
        "группа номенклатуры",
        "родитель",
        "вид номенклатуры",
        "category",
        "group",
        "product group",
    ),
    "unit": ("ед", "ед.", "ед. изм.", "ед.изм.", "единица", "единица измерения", "unit", "uom"),
    "price": ("цена", "цена продажи", "розничная цена", "оптовая цена", "price", "list price", "цена, руб."),
}
_HEADER_INDEX = {fold(name): field for field, names in HEADERS.items() for name in names}


def _may_read(actor: Actor) -> bool:
    return may(actor, Capability.WORK_ACCOUNTS) or may(actor, Capability.EDIT_SCRIPTS)


def require_reader(session: Session, actor: Actor) -> None:
    require_active_user(session, actor)
    if not _may_read(actor):
        raise AccessDenied(_("Your role does not allow this."))


def require_editor(session: Session, actor: Actor) -> None:
    require_active_user(session, actor)
    require(actor, Capability.EDIT_SCRIPTS)


def money(value, message: str, *, allow_negative: bool = False) -> Decimal:
    """*value* as an amount in kopecks, or ValidationFailed(*message*).

    Text is read as strictly as the terminal reads it: thousands grouped only in threes, so a date
    ("12.12.2026") or "12 12 2026" is refused, never run together into one huge number."""
    try:
        if isinstance(value, str):
            negative = allow_negative and value.strip().startswith("-")
            digits = amount_digits(value.strip().removeprefix("-") if negative else value)
            amount = Decimal("-" + digits if negative else digits)
        else:
            amount = Decimal(value)
    except (InvalidOperation, TypeError, ValueError):
        raise ValidationFailed(message) from None
    if not amount.is_finite() or abs(amount) >= MAX_AMOUNT or (amount < 0 and not allow_negative):
        raise ValidationFailed(message)
    return amount.quantize(Decimal("0.01"))


def _category_info(session: Session, category: ProductCategory) -> CategoryInfo:
    count = session.execute(select(func.count()).where(Product.category_id == category.id)).scalar_one()
    return CategoryInfo(category.id, category.name, category.active, count)


def _product_info(product: Product, category_name: str) -> ProductInfo:
    price = Decimal(product.price) if product.price is not None else None
    return ProductInfo(
        product.id, product.category_id, category_name, product.code, product.name, product.unit, price, product.active
    )


def categories(db: Database, actor: Actor, *, include_inactive: bool = False) -> list[CategoryInfo]:
    with db.read() as session:
        require_reader(session, actor)
        counts = select(Product.category_id, func.count().label("n")).group_by(Product.category_id).subquery("counts")
        query = (
            select(ProductCategory, func.coalesce(counts.c.n, 0))
            .outerjoin(counts, counts.c.category_id == ProductCategory.id)
            .order_by(ProductCategory.name_search, ProductCategory.id)
        )
        if not include_inactive:
            query = query.where(ProductCategory.active)
        return [CategoryInfo(c.id, c.name, c.active, n) for c, n in session.execute(query).all()]


@audited_view("products", search_arg="find")
def products(
    db: Database,
    actor: Actor,
    *,
    category_id: int | None = None,
    find: str = "",
    include_inactive: bool = False,
    offset: int = 0,
    limit: int = 100,
) -> ProductPage:
    limit = max(1, min(limit, 500))
    offset = max(0, offset)
    needle = fold(clean_input(find, 200))
    with db.read() as session:
        require_reader(session, actor)
        where = []
        if category_id is not None:
            where.append(Product.category_id == category_id)
        if needle:
            like = "%" + needle.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
            typed = clean_input(find, 200).strip()
            code_like = typed.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
            # Codes are kept as the list wrote them; SQLite folds only ASCII, so the typed and the upper case are tried.
            where.append(
                or_(
                    Product.name_search.like(like, escape="\\"),
                    Product.code.like(code_like, escape="\\"),
                    Product.code.like(code_like.upper(), escape="\\"),
                )
            )
        if not include_inactive:
            where.extend([Product.active, ProductCategory.active])
        base = select(Product, ProductCategory.name).join(ProductCategory, ProductCategory.id == Product.category_id)
        total = session.execute(
            select(func.count())
            .select_from(Product)
            .join(ProductCategory, ProductCategory.id == Product.category_id)
            .where(*where)
        ).scalar_one()
        rows = session.execute(
            base.where(*where)
            .order_by(ProductCategory.name_search, Product.name_search, Product.id)
            .offset(offset)
            .limit(limit)
        ).all()
        return ProductPage(tuple(_product_info(p, name) for p, name in rows), total, offset)


def _category_named(session: Session, name: str) -> ProductCategory | None:
    return session.execute(
        select(ProductCategory).where(ProductCategory.name_search == fold(name))
    ).scalar_one_or_none()


def _clean_name(name: str, limit: int) -> str:
    name = clean_input(name, limit).strip()
    if not name:
        raise ValidationFailed(_("Enter a name."))
    return name


def save_category(
    db: Database, actor: Actor, name: str, *, category_id: int | None = None, active: bool = True
) -> CategoryInfo:
    name = _clean_name(name, 200)
    with db.write() as session:
        require_editor(session, actor)
        same = _category_named(session, name)
        if category_id is None:
            if same is not None:
                raise ValidationFailed(_("The category {name} already exists.").format(name=same.name))
            category = ProductCategory(name=name, name_search=fold(name), active=active)
            session.add(category)
            action = "category_added"
        else:
            existing = session.get(ProductCategory, category_id)
            if existing is None:
                raise NotFound()
            category = existing
            if same is not None and same.id != category.id:
                raise ValidationFailed(_("The category {name} already exists.").format(name=same.name))
            category.name, category.name_search, category.active = name, fold(name), active
            category.updated_at = utcnow()
            category.version += 1
            action = "category_changed"
        session.flush()
        audit.record(session, actor, action, "product_category", category.id, name=name, active=active)
        return _category_info(session, category)


def _price(price) -> Decimal | None:
    if price in (None, ""):
        return None
    return money(price, _("The price is not valid."))


def save_product(
    db: Database,
    actor: Actor,
    category_id: int,
    name: str,
    *,
    product_id: int | None = None,
    code: str = "",
    unit: str = "",
    price: Decimal | None = None,
    active: bool = True,
) -> ProductInfo:
    name = _clean_name(name, 300)
    code = clean_input(code, 64).strip()
    unit = clean_input(unit, 16).strip()
    price = _price(price)
    with db.write() as session:
        require_editor(session, actor)
        category = session.get(ProductCategory, category_id)
        if category is None:
            raise ValidationFailed(_("Choose a category."))
        if code:
            clash = session.execute(
                select(Product.id).where(Product.code == code, Product.id != (product_id or 0))
            ).first()
            if clash is not None:
                raise ValidationFailed(_("Another product has the code {code}.").format(code=code))
        if product_id is None:
            product = Product(
                category_id=category.id, name=name, name_search=fold(name), code=code, unit=unit, price=price
            )
            product.active = active
            session.add(product)
            action = "product_added"
        else:
            stored = session.get(Product, product_id)
            if stored is None:
                raise NotFound()
            product = stored
            product.category_id, product.name, product.name_search = category_id, name, fold(name)
            product.code, product.unit, product.price, product.active = code, unit, price, active
            product.updated_at = utcnow()
            product.version += 1
            action = "product_changed"
        session.flush()
        audit.record(
            session,
            actor,
            action,
            "product",
            product.id,
            name=name,
            code=code,
            category_id=category.id,
            price=str(price) if price is not None else None,
            active=active,
        )
        return _product_info(product, category.name)


# --- the price list ----------------------------------------------------------------------------


def map_header(cells: list[str]) -> dict[str, int]:
    """Field → column of a header row (the first column of each field)."""
    found: dict[str, int] = {}
    for index, cell in enumerate(cells):
        field = _HEADER_INDEX.get(fold(cell).strip(" :*"))
        if field is not None and field not in found:
            found[field] = index
    return found


def _cell(row: list[str], header: dict[str, int], field: str) -> str:
    index = header.get(field)
    return clean_input(row[index], 300).strip() if index is not None and index < len(row) else ""


def find_header(source):
    """The header's mapping and the rows after it: of the first HEADER_SCAN non-blank rows, the one that maps the
    most columns with the product name among them (a title such as «Номенклатура» above the table maps one
    column, the header several); (None, nothing) when there is none."""
    seen: list = []
    best, best_score = -1, 0
    filled = 0
    for item in source:
        seen.append(item)
        row = item[1]
        if row.__class__ is BrokenRow or not any(cell.strip() for cell in row):
            continue
        filled += 1
        mapping = map_header(row)
        if "name" in mapping and len(mapping) > best_score:
            best, best_score = len(seen) - 1, len(mapping)
        if filled >= HEADER_SCAN:
            break
    if best < 0:
        return None, iter(())
    return map_header(seen[best][1]), itertools.chain(seen[best + 1 :], source)


@dataclass
class _Counts:
    rows: int = 0
    categories: int = 0
    added: int = 0
    updated: int = 0


def import_price_list(
    db: Database, actor: Actor, path: Path, *, name: str | None = None, default_category: str = ""
) -> CatalogImportReport:
    """Read *path* (CSV or XLSX) into the catalog; one transaction, audited once."""
    from .importing.sources import open_source

    with db.read() as session:
        require_editor(session, actor)
    _info, source = open_source(Path(path))
    rejected: list[str] = []
    counts = _Counts()
    fallback = clean_input(default_category, 200).strip() or _("Other")
    with db.write() as session:
        require_editor(session, actor)
        known: dict[str, ProductCategory] = {
            c.name_search: c for c in session.execute(select(ProductCategory)).scalars()
        }
        group = ""

        def category_for(text: str) -> ProductCategory:
            text = text or group or fallback
            key = fold(text)
            category = known.get(key)
            if category is None:
                category = ProductCategory(name=text, name_search=key)
                session.add(category)
                session.flush()
                known[key] = category
                counts.categories += 1
            return category

        header, rows = find_header(source)
        for line, row in rows:
            if row.__class__ is BrokenRow:
                if len(rejected) < MAX_REJECTS:
                    rejected.append(_("line {n}: {why}").format(n=line, why=row.reason))
                continue
            title, code, unit = (
                _cell(row, header, "name"),
                _cell(row, header, "code")[:64],
                _cell(row, header, "unit")[:16],
            )
            filled = [c.strip() for c in row if c.strip()]
            if "category" not in header and len(filled) == 1 and (not title or title == filled[0]):
                group = clean_input(filled[0], 200)  # a group row of a 1C list: the products below belong to it
                continue
            if not title:
                continue
            counts.rows += 1
            raw_price = _cell(row, header, "price")
            try:
                price = _price(raw_price) if raw_price else None
            except ValidationFailed:
                if len(rejected) < MAX_REJECTS:
                    rejected.append(_("line {n}: the price {price} is not a number").format(n=line, price=raw_price))
                continue
            category = category_for(_cell(row, header, "category")[:200])
            product = None
            if code:
                product = session.execute(select(Product).where(Product.code == code)).scalar_one_or_none()
            if product is None:
                product = (
                    session.execute(
                        select(Product).where(Product.category_id == category.id, Product.name_search == fold(title))
                    )
                    .scalars()
                    .first()
                )
            if product is None:
                session.add(
                    Product(
                        category_id=category.id,
                        code=code,
                        name=title,
                        name_search=fold(title),
                        unit=unit,
                        price=price,
                    )
                )
                counts.added += 1
            else:
                product.category_id, product.name, product.name_search = int(category.id or 0), title, fold(title)
                product.code = code or product.code
                product.unit = unit or product.unit
                product.price = price if price is not None else product.price
                product.updated_at = utcnow()
                product.version += 1
                counts.updated += 1
            if (counts.added + counts.updated) % 500 == 0:
                session.flush()
        if header is None:
            raise ValidationFailed(
                _("No column with the product name in the first {n} rows (accepted: {names} …).").format(
                    n=HEADER_SCAN, names=", ".join(HEADERS["name"][:4])
                )
            )
        session.flush()
        shown = name or Path(path).name
        audit.record(
            session,
            actor,
            "catalog_imported",
            "product",
            None,
            file=shown,
            rows=counts.rows,
            categories_added=counts.categories,
            products_added=counts.added,
            products_updated=counts.updated,
            rejected=len(rejected),
        )
        return CatalogImportReport(shown, counts.rows, counts.categories, counts.added, counts.updated, tuple(rejected))


# --- order lines -------------------------------------------------------------------------------


def _quantity(value) -> Decimal | None:
    if value in (None, ""):
        return None
    try:
        quantity = Decimal(value)
    except (InvalidOperation, TypeError, ValueError):
        raise ValidationFailed(_("The quantity is not valid.")) from None
    if not quantity.is_finite() or quantity <= 0 or quantity >= MAX_QUANTITY:
        raise ValidationFailed(_("The quantity is not valid."))
    return quantity.quantize(Decimal("0.001"))


def prepare_lines(lines) -> list[OrderLineInput]:
    """The typed lines, checked and rounded (before any transaction); ValidationFailed on the first wrong one."""
    lines = list(lines or ())
    if len(lines) > MAX_LINES:
        raise ValidationFailed(_("An order has at most {n} lines.").format(n=MAX_LINES))
    ready = []
    for line in lines:
        amount = money(line.amount, _("Enter the amount of every line."))
        if amount <= 0:
            raise ValidationFailed(_("Enter the amount of every line."))
        margin = (
            None
            if line.margin in (None, "")
            else money(line.margin, _("The margin is not valid."), allow_negative=True)
        )
        text = clean_input(line.text or "", 500).strip()
        if line.product_id is None and line.category_id is None and not text:
            raise ValidationFailed(_("Every line needs a product, a category or a description."))
        ready.append(OrderLineInput(amount, line.product_id, line.category_id, text, _quantity(line.quantity), margin))
    return ready


def lines_text(session: Session, lines: list[OrderLineInput]) -> str:
    """The order's items as one text (the history entry and the orders table), from its lines."""
    parts = []
    for line in lines:
        if line.product_id is not None:
            label = (
                session.execute(select(Product.name).where(Product.id == line.product_id)).scalar_one_or_none() or ""
            )
        elif line.category_id is not None and not line.text:
            label = (
                session.execute(
                    select(ProductCategory.name).where(ProductCategory.id == line.category_id)
                ).scalar_one_or_none()
                or ""
            )
        else:
            label = line.text
        if line.quantity is not None:
            label += f" × {line.quantity.normalize():f}"
        parts.append(label)
    return "; ".join(p for p in parts if p)


def write_lines(session: Session, order: ClientOrder, lines: list[OrderLineInput]) -> None:
    """Store *order*'s lines (already checked by `prepare_lines`); one free-text line when there are none."""
    if not lines:
        lines = [OrderLineInput(Decimal(order.amount), text=order.items, margin=order.margin)]
    for line in lines:
        category_id = line.category_id
        if line.product_id is not None:
            product = session.get(Product, line.product_id)
            if product is None:
                raise ValidationFailed(_("A product of the order is no longer in the catalog."))
            category_id = product.category_id
        elif category_id is not None and session.get(ProductCategory, category_id) is None:
            raise ValidationFailed(_("A category of the order is no longer in the catalog."))
        session.add(
            OrderLine(
                order_id=order.id,
                company_id=order.company_id,
                ordered_at=order.ordered_at,
                product_id=line.product_id,
                category_id=category_id,
                text=line.text,
                quantity=line.quantity,
                amount=line.amount,
                margin=line.margin,
            )
        )


def order_lines(db: Database, actor: Actor, order_id: int) -> list[OrderLineInfo]:
    with db.read() as session:
        require_active_user(session, actor)
        company_id = session.execute(
            select(ClientOrder.company_id).where(ClientOrder.id == order_id)
        ).scalar_one_or_none()
        if company_id is None:
            raise NotFound() if may(actor, Capability.SUPERVISE) else AccessDenied()
        require_company(session, actor, company_id)
        rows = session.execute(
            select(OrderLine, Product.name, ProductCategory.name)
            .outerjoin(Product, Product.id == OrderLine.product_id)
            .outerjoin(ProductCategory, ProductCategory.id == OrderLine.category_id)
            .where(OrderLine.order_id == order_id)
            .order_by(OrderLine.id)
        ).all()
        return [
            OrderLineInfo(
                line.id,
                line.order_id,
                line.product_id,
                line.category_id,
                category or "",
                product or line.text,
                Decimal(line.quantity) if line.quantity is not None else None,
                Decimal(line.amount),
                Decimal(line.margin) if line.margin is not None else None,
            )
            for line, product, category in rows
        ]
