"""Which column is which: the header row's names (1C, Bitrix24, amoCRM, hand-made lists) to fields."""

from __future__ import annotations

import re

from kbase_tui.protocol.importer import IMPORT_FIELDS
from kbase_tui.textnorm import clean_input, fold

# --- headers ------------------------------------------------------------------------

FIELDS = IMPORT_FIELDS

# Header names after _header_key (folded, punctuation as spaces).  The exports of 1C, Bitrix24 and amoCRM and the
# lists people make by hand, as docs/import-format.md lists them.
HEADER_NAMES: dict[str, tuple[str, ...]] = {
    "name": (
        "company",
        "company name",
        "name",
        "organization",
        "organisation",
        "client",
        "customer",
        "account",
        "account name",
        "наименование",
        "название",
        "компания",
        "организация",
        "наименование компании",
        "название компании",
        "наименование организации",
        "название организации",
        "клиент",
        "контрагент",
        "фирма",
        "наименование контрагента",
        "полное наименование",
        "краткое наименование",
        "рабочее наименование",
        "юридическое лицо",
        "юр лицо",
        "компания контакта",
        "название клиента",
    ),
    "inn": ("inn", "tax id", "taxpayer id", "инн", "инн организации", "инн компании", "инн контрагента", "инн кпп"),
    "phone": (
        "phone",
        "phones",
        "telephone",
        "tel",
        "phone number",
        "mobile",
        "work phone",
        "mobile phone",
        "office phone",
        "other phone",
        "телефон",
        "телефоны",
        "тел",
        "номер телефона",
        "мобильный",
        "рабочий телефон",
        "мобильный телефон",
        "моб",
        "моб тел",
        "моб телефон",
        "сотовый",
        "сотовый телефон",
        "городской телефон",
        "другой телефон",
        "телефон для рассылок",
        "домашний телефон",
        "доп телефон",
        "дополнительный телефон",
        "телефон компании",
        "телефон организации",
        "тел факс",
        "телефон факс",
        "телефоны организации",
        "контактный телефон",
    ),
    "contact": (
        "contact",
        "contact person",
        "contact name",
        "person",
        "decision maker",
        "full name",
        "контактное лицо",
        "контакт",
        "фио",
        "фио контакта",
        "лпр",
        "фио контактного лица",
        "фио лпр",
        "основной контакт",
        "полное имя",
        "имя контакта",
        "руководитель",
        "директор",
        "генеральный директор",
        "основное контактное лицо",
    ),
    "contact_last": ("фамилия", "last name", "surname"),
    "contact_first": ("имя", "first name"),
    "contact_middle": ("отчество", "middle name", "second name"),
    "position": (
        "position",
        "title",
        "job title",
        "role",
        "должность",
        "должность контакта",
        "должность контактного лица",
        "должность лпр",
    ),
    "contact_phone": (
        "contact phone",
        "contact mobile",
        "person phone",
        "телефон контакта",
        "телефон контактного лица",
        "мобильный контакта",
        "телефон лпр",
        "мобильный лпр",
    ),
    "contact_email": (
        "contact email",
        "email контакта",
        "e mail контакта",
        "почта контакта",
        "email контактного лица",
        "e mail контактного лица",
        "почта лпр",
        "email лпр",
    ),
    "city": ("city", "town", "location", "город", "населенный пункт", "нас пункт", "город компании"),
    "industry": (
        "industry",
        "sector",
        "branch",
        "отрасль",
        "сфера",
        "сфера деятельности",
        "вид деятельности",
        "отрасль деятельности",
        "отрасль компании",
    ),
    "channel": ("channel", "sales channel", "segment", "канал", "канал продаж", "канал сбыта", "сегмент"),
    "email": (
        "email",
        "e mail",
        "mail",
        "email address",
        "work email",
        "электронная почта",
        "почта",
        "эл почта",
        "адрес электронной почты",
        "емейл",
        "имейл",
        "рабочий e mail",
        "рабочий email",
        "частный e mail",
        "личный e mail",
        "другой e mail",
        "e mail для рассылок",
        "email для рассылок",
        "эл адрес",
        "email компании",
        "e mail компании",
        "почта компании",
    ),
    "website": (
        "website",
        "site",
        "web",
        "web site",
        "url",
        "www",
        "сайт",
        "веб сайт",
        "корпоративный сайт",
        "сайт компании",
        "интернет сайт",
        "web адрес",
    ),
    "address": (
        "address",
        "адрес",
        "юридический адрес",
        "фактический адрес",
        "почтовый адрес",
        "юр адрес",
        "факт адрес",
        "адрес компании",
        "адрес организации",
    ),
    "size": (
        "size",
        "company size",
        "размер",
        "размер компании",
        "кол во сотрудников",
        "количество сотрудников",
        "численность",
    ),
    "comment": (
        "comment",
        "comments",
        "note",
        "notes",
        "remark",
        "description",
        "комментарий",
        "комментарии",
        "примечание",
        "заметка",
        "дополнительная информация",
        "доп информация",
        "описание",
    ),
}
# Fields that may come in several columns: all are read (the name from the first filled one).
MULTI_COLUMN = ("name", "phone", "contact_phone", "email", "contact_email")
_HEADER_LOOKUP = {alias: name for name, aliases in HEADER_NAMES.items() for alias in aliases}
_NON_WORD = re.compile(r"[^\w]+")
_TRAILING_NUMBER = re.compile(r"\s*\d+$")
# amoCRM names whose column it is: «Рабочий телефон (контакт)», «Email (компания)».
_ROLE = re.compile(r"\(\s*(контакт|контакта|contact|компания|компании|company)\s*\)\s*$")
_FOR_CONTACT = {"phone": "contact_phone", "email": "contact_email", "name": "contact"}
_FOR_COMPANY = {"contact_phone": "phone", "contact_email": "email"}


def _header_key(text: str) -> str:
    return _NON_WORD.sub(" ", fold(clean_input(str(text or "")))).strip()


def header_field(header: str) -> str | None:
    """The field a column header names, or None (docs/import-format.md)."""
    folded = fold(clean_input(str(header or "")))
    role = _ROLE.search(folded)
    if role is not None:
        folded = folded[: role.start()]
    key = _NON_WORD.sub(" ", folded).strip()
    if not key:
        return None
    field_name = _HEADER_LOOKUP.get(key) or _HEADER_LOOKUP.get(_TRAILING_NUMBER.sub("", key))
    if field_name is None:
        if key.startswith(("телефон", "phone", "tel ", "тел ", "моб ", "mobile ")):
            field_name = "phone"
        elif key.startswith(("email", "e mail", "эл почта", "электронная почта")) or key.endswith(
            (" email", " e mail")
        ):
            field_name = "email"
    if field_name is not None and role is not None:
        if role.group(1).startswith(("контакт", "contact")):
            field_name = _FOR_CONTACT.get(field_name, field_name)
        else:
            field_name = _FOR_COMPANY.get(field_name, field_name)
    return field_name


def map_headers(headers: list[str]) -> dict[str, list[int]]:
    """Field name -> column indexes (phones, e-mails and names may come in several columns)."""
    mapping: dict[str, list[int]] = {}
    for index, header in enumerate(headers):
        field_name = header_field(header)
        if field_name is None:
            continue
        if field_name in MULTI_COLUMN or field_name not in mapping:
            mapping.setdefault(field_name, []).append(index)
    return mapping


def _header_score(mapping: dict[str, list[int]]) -> int:
    """How much a row looks like the header: the columns it maps, if one of them is the company name."""
    return sum(map(len, mapping.values())) if "name" in mapping else 0
