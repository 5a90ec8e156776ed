"""Deterministic demo data: a Russian B2B client base at every stage of the sales conveyor.

`generate_demo_data(session, users_by_name)` fills an empty database (users already created by
`services.demo`) with, for one `random.Random(SEED)` and one `today`, always the same rows:

- potential clients (ПКБ) in the cold queue: category potential, stage cold, in_queue, queue_rank =
  priority (50 dealers and estimated A/B classes, 100 ordinary, 150 B2C and micro companies),
  never tried (last_tried_at = EPOCH) or with earlier no-answer/busy attempts and their calls, a few
  personal callbacks due today, a few unreachable or with bad data (out of the queue);
- 60 open deals for the two closers across the open pipeline stages, each with its cold-call story,
  the hand-over, the stage moves, requirements, expected amount and next step (some overdue, some stale),
  and a few lost deals for the supervisor's lost list;
- 150 active accounts (АКБ) of the two account managers, each with 1–20 orders and the company
  figures computed from them (count, revenue, margin, first/last order, next purchase predicted from
  the average interval or named by the client), ABCDE class and key-client flag (see `_classify`);
- lost clients (category lost, stage account) with a return task; refused clients with their
  refusal-list entries, most of them in the current week (Monday–Sunday) and undecided;
- contact persons (ЛПР flag, phones, e-mail, birthdays, some within the next 7 days), company
  phones with the city's area code, valid INNs, and follow-up, quality and return tasks.

Timestamps are derived from `today` (local date) at working hours, so the data is the same for the
same day; what has happened (calls, refusals, decisions, creations, completions) is never later than `now`:
moments of today past `now` are drawn back into the part of the day already gone, in the same order. Dates meant
to be ahead (callbacks, shelving, tasks due, next steps and purchases, birthdays) stay ahead.  Rows go in with Core bulk inserts and explicit ids; the folded search columns are set
here because Core inserts bypass the ORM event that keeps them.  No audit per row: `services.demo`
records one event for the whole demo.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal
from functools import lru_cache
from typing import Any

from sqlalchemy import func, insert, select, text
from sqlalchemy.orm import Session

from kbase_tui import shipped, timezones
from kbase_tui.formatting import format_amount
from kbase_tui.inn import WEIGHTS_10, WEIGHTS_12A, WEIGHTS_12B, check_digit
from kbase_tui.models import (
    ActivationPlan,
    Category,
    ClientOrder,
    ClientStandard,
    Company,
    Contact,
    Deal,
    DealStatus,
    FocusTarget,
    FollowUpTask,
    Interaction,
    InteractionKind,
    OrderLine,
    Phone,
    PipelineStage,
    Product,
    ProductCategory,
    Reason,
    Refusal,
    RefusalDecision,
    SecondPerson,
    Stage,
    StandardCategory,
    Target,
    TaskKind,
    User,
)

from . import queue_membership
from .accounts.base import LOST_PREFIX
from .common import cold_company_columns
from .history_labels import params_json
from .text import fold

SEED = 20260214

# How many of each story (the minimums: 2,000 potential, 60 deals, 150 accounts).
N_COLD = 2100
N_CALLBACKS = 12
N_UNREACHABLE = 10
N_BAD_DATA = 6
N_DEALS = 60
N_LOST_DEALS = 6
N_ACCOUNTS = 150
N_LOST_CLIENTS = 20
N_REFUSED_THIS_WEEK = 55
N_REFUSED_OLDER = 35
N_REFUSAL_SHELVED = 10
N_REFUSAL_OFFER = 8
N_REFUSAL_DNC = 12
DEAL_STAGE_COUNTS = {"new": 15, "meeting_set": 13, "meeting_held": 12, "thinking": 12, "agreed": 8}
ORDER_COUNT_WEIGHTS = (10, 11, 11, 10, 9, 8, 7, 6, 5, 5, 4, 4, 3, 3, 3, 2, 2, 2, 2, 3)  # orders per account, 1..20
RETRY_DELAYS_MINUTES = (30, 120, 480, 1440, 2880)
MOBILE_CODES = (
    "903",
    "905",
    "906",
    "909",
    "910",
    "912",
    "913",
    "915",
    "916",
    "917",
    "919",
    "921",
    "922",
    "925",
    "926",
    "927",
    "929",
    "950",
    "951",
    "952",
    "953",
    "960",
    "961",
    "962",
    "963",
    "964",
    "965",
    "977",
    "980",
    "982",
    "985",
    "987",
    "991",
    "995",
    "999",
)
# The demo supplier's categories (the goods of data/demo/goods.json by name; the rest are "Прочее").
DEMO_CATEGORIES = {
    **dict.fromkeys(
        (
            "Круг отрезной 230×2,5×22",
            "Круг зачистной 125×6×22",
            "Щётка по металлу дисковая 125 мм",
            "Сверло по металлу HSS 10 мм",
            "Фреза концевая твердосплавная 12 мм",
            "Пластина токарная CNMG 120408",
        ),
        "Абразивы и инструмент",
    ),
    **dict.fromkeys(
        (
            "Электроды УОНИ 13/55 d3 мм",
            "Электроды МР-3 d4 мм",
            "Проволока сварочная Св-08Г2С 1,2 мм",
            "Газ аргон",
            "Пропан технический",
            "Шланг кислородный 9 мм",
        ),
        "Сварка и газы",
    ),
    **dict.fromkeys(("Кирпич огнеупорный ШБ-5", "Мертель шамотный МШ-39", "Бетон огнеупорный ЖСБ"), "Огнеупоры"),
    **dict.fromkeys(("Масло индустриальное И-40А", "Смазка Литол-24", "Масло гидравлическое ВМГЗ"), "Масла и смазки"),
    **dict.fromkeys(
        ("Подшипник 6205-2RS", "Подшипник 22220 EK", "Ремень клиновой B(Б)-1800", "Цепь приводная ПР-25,4"),
        "Подшипники и приводы",
    ),
    **dict.fromkeys(("Болт М12×60 оцинкованный", "Анкер клиновой 12×100", "Саморез кровельный 5,5×25"), "Крепёж"),
    **dict.fromkeys(
        (
            "Перчатки х/б с ПВХ",
            "Костюм сварщика брезентовый",
            "Костюм рабочий летний",
            "Каска защитная СОМЗ",
            "Очки защитные открытые",
            "Респиратор FFP2",
        ),
        "Спецодежда и СИЗ",
    ),
    **dict.fromkeys(
        ("Стрейч-плёнка 500 мм 20 мкм", "Лента упаковочная ПП 15 мм", "Паллета деревянная 1200×800"), "Упаковка"
    ),
    **dict.fromkeys(("Кабель ВВГнг 3×2,5", "Лампа светодиодная промышленная 100 Вт"), "Электротехника"),
    **dict.fromkeys(
        ("Ветошь обтирочная", "Сорбент универсальный", "Краска грунт ГФ-021", "Растворитель 646"),
        "Химия и расходники",
    ),
}
# (kind, segment, an order every … days, the categories of its ideal client)
DEMO_STANDARDS = (
    ("industry", "Металлургия", 30, ("Огнеупоры", "Сварка и газы", "Абразивы и инструмент", "Спецодежда и СИЗ")),
    ("industry", "Машиностроение", 30, ("Абразивы и инструмент", "Подшипники и приводы", "Масла и смазки", "Крепёж")),
    ("industry", "Строительство", 45, ("Крепёж", "Спецодежда и СИЗ", "Сварка и газы", "Химия и расходники")),
    ("channel", "Дилеры", 30, ("Абразивы и инструмент", "Крепёж", "Спецодежда и СИЗ", "Упаковка", "Электротехника")),
    ("channel", "Розница", 45, ("Крепёж", "Спецодежда и СИЗ", "Химия и расходники")),
)
DEMO_STANDARD_NOTE = "Предложить пробную партию; спросить, у кого берут сейчас и что не устраивает."
# (category, segment kind, segment, metric, target) for each account manager, over a month around today
DEMO_FOCUS = (
    ("Абразивы и инструмент", "industry", "Металлургия", "amount", 800_000),
    ("Подшипники и приводы", "", "", "clients", 5),
)
DEMO_SPECIALIST_TASKS = (
    "Подобрать огнеупоры под новую печь: выезд вместе с менеджером",
    "Консультация технолога по сварочной проволоке",
)

SIZE_ORDER_SCALE = {"Микро": 18_000, "Малый": 40_000, "Средний": 110_000, "Крупный": 280_000}
SIZE_DEAL_SCALE = {"Микро": 120_000, "Малый": 350_000, "Средний": 900_000, "Крупный": 2_500_000}

_TRANSLIT = dict(
    zip(
        "абвгдеёжзийклмнопрстуфхцчшщъыьэюя",
        [
            "a",
            "b",
            "v",
            "g",
            "d",
            "e",
            "e",
            "zh",
            "z",
            "i",
            "y",
            "k",
            "l",
            "m",
            "n",
            "o",
            "p",
            "r",
            "s",
            "t",
            "u",
            "f",
            "kh",
            "ts",
            "ch",
            "sh",
            "shch",
            "",
            "y",
            "",
            "e",
            "yu",
            "ya",
        ],
        strict=True,
    )
)


# --- word lists ------------------------------------------------------------------------------


@lru_cache(maxsize=1)
def word_lists() -> dict[str, Any]:
    def load(name: str) -> Any:
        return shipped.read_json("demo/" + name)

    surnames = [s.strip() for s in shipped.read_text("demo/surnames.txt").splitlines() if s.strip()]
    return {
        "surnames": surnames,
        "names": load("names.json"),
        "positions": load("positions.json")["positions"],
        "cities": load("cities.json"),
        "segments": load("segments.json"),
        "goods": load("goods.json")["goods"],
        "texts": load("texts.json"),
    }


# --- small pure helpers (tested) ---------------------------------------------------------------


def make_inn(rng: random.Random, region: str, *, person: bool = False) -> str:
    """A valid INN: 10 digits for an organisation, 12 for an individual entrepreneur (ИП)."""
    if person:
        body = region + "".join(rng.choice("0123456789") for _ in range(8))
        body += str(check_digit(body, WEIGHTS_12A))
        return body + str(check_digit(body, WEIGHTS_12B))
    body = region + f"{rng.randint(1, 99):02d}" + "".join(rng.choice("0123456789") for _ in range(5))
    return body + str(check_digit(body, WEIGHTS_10))


def translit(value: str) -> str:
    return "".join(_TRANSLIT.get(ch, ch if ch.isascii() and ch.isalnum() else "") for ch in value.lower())


def female_surname(surname: str) -> str:
    for male, female in (
        ("ский", "ская"),
        ("цкий", "цкая"),
        ("ой", "ая"),
        ("ов", "ова"),
        ("ев", "ева"),
        ("ёв", "ёва"),
        ("ин", "ина"),
        ("ын", "ына"),
    ):
        if surname.endswith(male):
            return surname[: -len(male)] + female
    return surname  # Черных, Шевчук, Бондаренко


def _money(value: float | int) -> Decimal:
    return Decimal(str(value)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


# --- the generator -----------------------------------------------------------------------------


@dataclass
class DemoSummary:
    companies: int = 0
    potential_in_queue: int = 0
    deals_open: int = 0
    accounts_active: int = 0
    lost_clients: int = 0
    refused: int = 0
    contacts: int = 0
    orders: int = 0
    interactions: int = 0


@dataclass
class _Tables:
    company: list[dict] = field(default_factory=list)
    contact: list[dict] = field(default_factory=list)
    phone: list[dict] = field(default_factory=list)
    deal: list[dict] = field(default_factory=list)
    order: list[dict] = field(default_factory=list)
    order_line: list[dict] = field(default_factory=list)
    interaction: list[dict] = field(default_factory=list)
    refusal: list[dict] = field(default_factory=list)
    task: list[dict] = field(default_factory=list)


_TABLES = {
    "company": Company.__table__,
    "contact": Contact.__table__,
    "phone": Phone.__table__,
    "deal": Deal.__table__,
    "order": ClientOrder.__table__,
    "order_line": OrderLine.__table__,
    "interaction": Interaction.__table__,
    "refusal": Refusal.__table__,
    "task": FollowUpTask.__table__,
}


# The moments of things that have happened, per table: none may be later than the demo's `now`.  Every other
# moment column (callbacks, shelving, leases, tasks due, next follow-ups) may be ahead.
_PAST_COLUMNS = {
    "company": ("last_tried_at", "created_at", "updated_at"),
    "contact": ("created_at", "updated_at"),
    "deal": ("created_at", "updated_at", "last_activity_at", "closed_at"),
    "order": ("created_at",),
    "interaction": ("at",),
    "refusal": ("refused_at", "decided_at"),
    "task": ("created_at", "done_at"),
}


class _Generator:
    def __init__(
        self, session: Session, users: dict[str, User], today: date, seed: int, now: datetime | None = None
    ) -> None:
        self.session = session
        self.rng = random.Random(seed)
        self.today = today
        # The call centre's clock (never the server's zone): the same day gives the same data anywhere.
        self.tz = timezones.centre_zone()
        day_start = datetime.combine(today, time.min, tzinfo=self.tz).astimezone(UTC)
        # Not given: the end of `today` (a day of the past or a test's fixed day has happened whole).
        self.now = now or day_start + timedelta(days=1)
        self.words = word_lists()
        self.rows = _Tables()
        self.next_id = {
            name: (session.execute(select(func.max(table.c.id))).scalar() or 0) + 1 for name, table in _TABLES.items()
        }
        self.used_names: set[str] = set()
        self.used_inns: set[str] = set()
        self.used_phones: set[str] = set()

        self.callers = [users[n] for n in ("caller", "caller2") if n in users]
        self.closers = [users[n] for n in ("closer", "closer2") if n in users]
        self.managers = [users[n] for n in ("account", "account2") if n in users]
        self.supervisor = users.get("supervisor")
        if not (self.callers and self.closers and self.managers and self.supervisor):
            raise ValueError("the demo needs callers, closers, account managers and a supervisor")

        stages = (
            session.execute(
                select(PipelineStage).where(PipelineStage.active.is_(True)).order_by(PipelineStage.position)
            )
            .scalars()
            .all()
        )
        self.stage_label = {s.code: s.label_ru for s in stages}
        self.open_stages = [s.code for s in stages if not s.is_won and not s.is_lost]
        self.won_code = next((s.code for s in stages if s.is_won), "won")
        self.lost_code = next((s.code for s in stages if s.is_lost), "lost")
        reasons = (
            session.execute(select(Reason).where(Reason.active.is_(True)).order_by(Reason.position)).scalars().all()
        )
        self.reasons = {
            kind: [(r.code, r.label_ru) for r in reasons if r.kind == kind]
            for kind in ("refusal", "lost_deal", "lost_client")
        }

        seg = self.words["segments"]
        self.channels = seg["channels"]
        self.channel_priority = {c["name"]: c["priority"] for c in self.channels}
        self.industries = seg["industries"]
        self.cities = self.words["cities"]["cities"]
        self.catalog = self.make_catalog()

    # -- primitives --

    def _id(self, table: str) -> int:
        value = self.next_id[table]
        self.next_id[table] = value + 1
        return value

    def weighted(self, items: list[dict]) -> dict:
        return self.rng.choices(items, weights=[i["weight"] for i in items])[0]

    def at(self, day: date, hour: int | None = None, minute: int | None = None) -> datetime:
        """A working-hours moment of a local day, as aware UTC."""
        hour = self.rng.randint(9, 17) if hour is None else hour
        minute = self.rng.randint(0, 59) if minute is None else minute
        return datetime.combine(day, time(hour, minute), tzinfo=self.tz).astimezone(UTC)

    def day_ago(self, low: int, high: int) -> date:
        return self.today - timedelta(days=self.rng.randint(low, high))

    def landline(self, city: dict) -> str:
        area = self.rng.choice(city["area"])
        while True:
            rest = self.rng.choice("2345679") + "".join(self.rng.choice("0123456789") for _ in range(9 - len(area)))
            number = "+7" + area + rest
            if number not in self.used_phones:
                self.used_phones.add(number)
                return number

    def mobile(self) -> str:
        while True:
            number = "+7" + self.rng.choice(MOBILE_CODES) + "".join(self.rng.choice("0123456789") for _ in range(7))
            if number not in self.used_phones:
                self.used_phones.add(number)
                return number

    def person(self) -> tuple[str, str, str, bool]:
        """(surname, first name, patronymic, female)."""
        names = self.words["names"]
        surname = self.rng.choice(self.words["surnames"])
        _father, patronymic_m, patronymic_f = self.rng.choice(names["male"])
        if self.rng.random() < 0.38:
            return female_surname(surname), self.rng.choice(names["female"]), patronymic_f, True
        first = self.rng.choice(names["male"])[0]
        return surname, first, patronymic_m, False

    def birthday(self, soon: bool) -> date | None:
        if soon:
            target = self.today + timedelta(days=self.rng.randint(0, 6))
            year = self.rng.randint(1962, 1996)
            while True:
                try:
                    return target.replace(year=year)
                except ValueError:  # 29 February
                    year -= 1
        if self.rng.random() < 0.25:
            return None
        return date(self.rng.randint(1960, 1998), 1, 1) + timedelta(days=self.rng.randint(0, 364))

    def history(
        self,
        company_id: int,
        user: User | None,
        when: datetime,
        kind: str,
        outcome: str = "",
        text_: str = "",
        deal_id: int | None = None,
        params: str = "",
    ) -> None:
        """One history entry; *params* as the services write them (history_labels), so that it reads in the
        reader's language."""
        self.rows.interaction.append(
            {
                "id": self._id("interaction"),
                "company_id": company_id,
                "user_id": user.id if user else None,
                "deal_id": deal_id,
                "at": when,
                "kind": kind,
                "outcome": outcome,
                "text": text_,
                "params": params,
            }
        )

    def task(
        self,
        company_id: int,
        assignee: User,
        kind: str,
        due: datetime,
        text_: str,
        created: datetime,
        creator: User | None = None,
        order_id: int | None = None,
    ) -> None:
        self.rows.task.append(
            {
                "id": self._id("task"),
                "company_id": company_id,
                "assignee_id": assignee.id,
                "kind": kind,
                "due_at": due,
                "text": text_,
                "done_at": None,
                "result": "",
                "score": None,
                "order_id": order_id,
                "created_by_id": (creator or assignee).id,
                "created_at": created,
                "version": 1,
            }
        )

    # -- companies --

    def company_name(self, industry: dict) -> tuple[str, str, bool, tuple[str, str, str, bool] | None]:
        """(full name, stem for the web domain, is ИП, the owner of an ИП)."""
        seg = self.words["segments"]
        while True:
            form = self.weighted([{"weight": f["weight"], "form": f["form"]} for f in seg["legal_forms"]])["form"]
            if form == "ИП":
                owner = self.person()
                surname, first, patronymic, _female = owner
                name = f"ИП {surname} {first[0]}. {patronymic[0]}."
                stem = translit(surname)
            else:
                owner = None
                prefix = self.rng.choice(seg["name_prefixes"])
                root = self.rng.choice(industry["roots"])
                suffix = self.rng.choice(seg["name_suffixes"])
                if prefix.lower() in root or root in prefix.lower():
                    continue  # «Промхимпром»
                if len(root) >= 7 or suffix.lower() in root or suffix.lower() in prefix.lower():
                    suffix = ""  # a composite root takes no suffix: «Стройинвест», not «Стройинвестторг»
                if self.rng.random() < 0.5 and prefix[-1].lower() != root[0]:
                    stem = prefix + root + suffix.lower()
                else:
                    stem = prefix + root[:1].upper() + root[1:] + suffix
                name = f"{form} «{stem}»"
            if name not in self.used_names:
                self.used_names.add(name)
                return name, translit(stem), form == "ИП", owner

    def new_company(
        self,
        created: date,
        *,
        size: str | None = None,
        channel: dict | None = None,
        industry: dict | None = None,
        **values: Any,
    ) -> dict:
        seg = self.words["segments"]
        industry = industry or self.weighted(self.industries)
        channel = channel or self.weighted(self.channels)
        city = self.weighted(self.cities)
        name, domain, is_person, owner = self.company_name(industry)
        size = "Микро" if is_person else (size or self.weighted(seg["sizes"])["name"])
        while True:
            inn = make_inn(self.rng, self.rng.choice(city["region"]), person=is_person)
            if inn not in self.used_inns:
                self.used_inns.add(inn)
                break
        website = "" if is_person else f"www.{domain}.ru"
        if is_person:
            email = f"{domain}{self.rng.randint(1, 99)}@{self.rng.choice(['mail.ru', 'yandex.ru', 'bk.ru'])}"
        else:
            email = f"{self.rng.choice(['info', 'zakupki', 'snab', 'office'])}@{domain}.ru"
        street = self.rng.choice(self.words["cities"]["streets"])
        address = f"г. {city['name']}, {street}, д. {self.rng.randint(1, 140)}"
        if self.rng.random() < 0.3:
            address += f", стр. {self.rng.randint(1, 9)}"
        created_at = self.at(created)
        row = {
            "id": self._id("company"),
            "name": name,
            "name_search": fold(name),
            "inn": inn,
            "city": city["name"],
            "city_search": fold(city["name"]),
            "industry": industry["name"],
            "channel": channel["name"],
            "size": size,
            "source": self.rng.choice(seg["sources"]),
            "website": website,
            "email": email,
            "address": address,
            **cold_company_columns(created_at),
        }
        row.update(values)
        row["_city"] = city
        row["_domain"] = domain
        row["_owner"] = owner
        self.rows.company.append(row)
        # The company's own line(s) and where it came from.
        self.rows.phone.append(
            {
                "company_id": row["id"],
                "contact_id": None,
                "number": self.landline(city),
                "label": "Приёмная" if not is_person else "Рабочий",
            }
        )
        row["time_zone"] = timezones.zone_for_company([self.rows.phone[-1]["number"]], city["name"]) or ""
        if not is_person and self.rng.random() < 0.35:
            self.rows.phone.append(
                {"company_id": row["id"], "contact_id": None, "number": self.landline(city), "label": "Отдел снабжения"}
            )
        self.history(
            row["id"], None, created_at, InteractionKind.SYSTEM.value, "import", f"Добавлен в базу: {row['source']}"
        )
        return row

    def add_contacts(
        self,
        company: dict,
        count: int,
        *,
        decision_maker: bool,
        birthdays_soon: int = 0,
        created: datetime | None = None,
    ) -> list[str]:
        """Contact persons with phones; the first one is the ЛПР when *decision_maker*. Returns their names."""
        created = created or company["created_at"]
        names = []
        positions = self.words["positions"]
        for index in range(count):
            if index == 0 and company["_owner"] is not None:
                surname, first, patronymic, _female = company["_owner"]
                position, is_dm = "Индивидуальный предприниматель", True
            else:
                surname, first, patronymic, _female = self.person()
                if index == 0 and decision_maker:
                    position, is_dm = self.rng.choice([p for p in positions if p[1]])
                else:
                    position, is_dm = self.rng.choice([p for p in positions if not p[1]])
            full = f"{surname} {first} {patronymic}"
            email = ""
            if self.rng.random() < 0.75:
                login = f"{translit(first)[:1]}.{translit(surname)}"
                email = f"{login}@{company['_domain']}.ru" if company["_owner"] is None else company["email"]
            contact_id = self._id("contact")
            self.rows.contact.append(
                {
                    "id": contact_id,
                    "company_id": company["id"],
                    "full_name": full,
                    "position": position,
                    "is_decision_maker": is_dm,
                    "email": email,
                    "birthday": self.birthday(index < birthdays_soon),
                    "created_at": created,
                    "updated_at": created,
                    "version": 1,
                }
            )
            self.rows.phone.append(
                {"company_id": company["id"], "contact_id": contact_id, "number": self.mobile(), "label": "Мобильный"}
            )
            if self.rng.random() < 0.3:
                self.rows.phone.append(
                    {
                        "company_id": company["id"],
                        "contact_id": contact_id,
                        "number": self.landline(company["_city"]),
                        "label": "Рабочий",
                    }
                )
            names.append(full)
        return names

    def set_priority(self, company: dict) -> None:
        priority = self.channel_priority.get(company["channel"], 100)
        if priority != 50 and company["abcde_class"] in ("A", "B"):
            priority = 50
        elif priority == 100 and company["size"] == "Микро":
            priority = 150
        company["priority"] = priority
        company["queue_rank"] = priority

    def estimate_class(self, company: dict) -> None:
        """An estimated class for some potential clients (from size), which feeds the queue priority."""
        if self.rng.random() < 0.35:
            company["abcde_class"] = {
                "Крупный": "AB",
                "Средний": "BC",
                "Малый": "CD",
                "Микро": "D",
            }[company["size"]][self.rng.randint(0, 1) if company["size"] != "Микро" else 0]
            company["potential_score"] = {"A": 85, "B": 65, "C": 55, "D": 25}[company["abcde_class"]]

    def cold_calls(self, company: dict, start: date, end: date, count: int, *, caller: User | None = None) -> datetime:
        """No-answer/busy attempts between two days; returns the time of the last one."""
        texts = self.words["texts"]["cold_comments"]
        span = max((end - start).days, 0)
        days = sorted(start + timedelta(days=self.rng.randint(0, span)) for _ in range(count))
        last = company["created_at"]
        for day in days:
            when = max(self.at(day), last + timedelta(minutes=30))
            outcome = self.rng.choice(["no_answer", "no_answer", "busy"])
            self.history(
                company["id"],
                caller or self.rng.choice(self.callers),
                when,
                InteractionKind.CALL.value,
                outcome,
                self.rng.choice(texts[outcome]),
            )
            last = when
        return last

    # -- stories --

    def potential(self) -> None:
        cold = []
        for _ in range(N_COLD):
            company = self.new_company(self.day_ago(10, 420))
            self.estimate_class(company)
            self.set_priority(company)
            roll = self.rng.random()
            if roll < 0.22:
                attempts = self.rng.randint(1, 3)
                start = company["created_at"].date() + timedelta(days=1)
                last = self.cold_calls(
                    company, min(start, self.today - timedelta(days=1)), self.today - timedelta(days=1), attempts
                )
                company.update(
                    attempts=attempts,
                    last_tried_at=last,
                    last_outcome=self._last_outcome(company["id"]),
                    not_before=last + timedelta(minutes=RETRY_DELAYS_MINUTES[attempts - 1]),
                )
            if self.rng.random() < 0.3:
                self.add_contacts(company, 1, decision_maker=self.rng.random() < 0.4)
            cold.append(company)
        texts = self.words["texts"]["cold_comments"]["callback"]
        # Personal callbacks, due today and tomorrow, for each caller.
        for index, company in enumerate(self.rng.sample(cold, N_CALLBACKS)):
            caller = self.callers[index % len(self.callers)]
            when = max(
                self.at(self.today - timedelta(days=self.rng.randint(1, 5))),
                company["last_tried_at"] + timedelta(hours=3),
            )
            due_day = self.today if index < N_CALLBACKS * 2 // 3 else self.today + timedelta(days=1)
            self.history(company["id"], caller, when, InteractionKind.CALL.value, "callback", self.rng.choice(texts))
            company.update(
                attempts=company["attempts"] + 1,
                last_tried_at=max(when, company["last_tried_at"]),
                last_outcome="callback",
                callback_user_id=caller.id,
                callback_at=self.at(due_day, self.rng.randint(10, 16), self.rng.choice([0, 15, 30, 45])),
                not_before=None,
            )
        # Out of the queue for the supervisor: unreachable after every attempt, or wrong data.
        for _ in range(N_UNREACHABLE):
            company = self.new_company(self.day_ago(60, 300))
            self.set_priority(company)
            last = self.cold_calls(
                company, company["created_at"].date() + timedelta(days=1), self.today - timedelta(days=2), 6
            )
            company.update(
                attempts=6, last_tried_at=last, last_outcome=self._last_outcome(company["id"]), unreachable=True
            )
        for _ in range(N_BAD_DATA):
            company = self.new_company(self.day_ago(30, 200))
            self.set_priority(company)
            caller = self.rng.choice(self.callers)
            when = self.at(self.day_ago(1, 20))
            self.history(
                company["id"],
                caller,
                when,
                InteractionKind.CALL.value,
                "wrong_number",
                self.rng.choice(
                    [
                        "Номер не существует.",
                        "Это квартира, о компании не слышали.",
                        "Компания ликвидирована, номер передан другой организации.",
                    ]
                ),
            )
            company.update(attempts=1, last_tried_at=when, last_outcome="wrong_number", needs_data_fix=True)

    def _last_outcome(self, company_id: int) -> str:
        for row in reversed(self.rows.interaction):
            if row["company_id"] == company_id and row["kind"] == InteractionKind.CALL.value:
                return row["outcome"]
        return ""

    def hand_over_story(self, company: dict, handover_day: date, closer: User) -> tuple[User, datetime]:
        """Cold calls that ended in interest, and the hand-over to the closer."""
        caller = self.rng.choice(self.callers)
        texts = self.words["texts"]["cold_comments"]["interested"]
        earlier = self.rng.randint(0, 2)
        if earlier:
            self.cold_calls(
                company,
                max(company["created_at"].date(), handover_day - timedelta(days=10)),
                handover_day - timedelta(days=1),
                earlier,
                caller=caller,
            )
        when = self.at(handover_day)
        self.history(company["id"], caller, when, InteractionKind.CALL.value, "interested", self.rng.choice(texts))
        self.history(
            company["id"],
            caller,
            when + timedelta(minutes=1),
            InteractionKind.HANDOVER.value,
            "to_closer",
            f"Передан менеджеру по продажам {closer.full_name}",
            params=params_json(t="to_closer", name=closer.full_name),
        )
        company.update(attempts=earlier + 1, last_tried_at=when, last_outcome="interested")
        return caller, when

    def deal_row(
        self, company: dict, closer: User, caller: User, created: datetime, stage: str, amount: Decimal, **values: Any
    ) -> dict:
        row = {
            "id": self._id("deal"),
            "company_id": company["id"],
            "closer_id": closer.id,
            "handed_over_by_id": caller.id,
            "stage_code": stage,
            "status": DealStatus.OPEN.value,
            "expected_amount": amount,
            "requirements": "",
            "next_step": "",
            "next_step_due": None,
            "lost_reason": "",
            "lost_comment": "",
            "supervisor_comment": "",
            "contract_date": None,
            "contract_amount": None,
            "created_at": created,
            "updated_at": created,
            "last_activity_at": created,
            "closed_at": None,
            "version": 1,
        }
        row.update(values)
        self.rows.deal.append(row)
        return row

    def stage_moves(
        self, company: dict, deal: dict, closer: User, upto: str, start: datetime, end_day: date
    ) -> datetime:
        """STAGE history from the first open stage to *upto*, with notes, spread from *start* to *end_day*."""
        notes = self.words["texts"]["stage_notes"]
        index = self.open_stages.index(upto) if upto in self.open_stages else len(self.open_stages) - 1
        steps = self.open_stages[1 : index + 1]
        last = start
        first = self.open_stages[0]
        total_days = max((end_day - start.date()).days, 0)
        note_day = start.date() + timedelta(days=min(1, total_days))
        last = max(last + timedelta(hours=1), self.at(note_day))
        self.history(
            company["id"], closer, last, InteractionKind.NOTE.value, "", self.rng.choice(notes[first]), deal["id"]
        )
        for number, code in enumerate(steps, start=1):
            day = start.date() + timedelta(days=total_days * number // max(len(steps), 1))
            when = max(self.at(day), last + timedelta(minutes=20))
            previous = self.open_stages[number - 1]
            self.history(
                company["id"],
                closer,
                when,
                InteractionKind.STAGE.value,
                code,
                f"{self.stage_label.get(previous, previous)} → {self.stage_label.get(code, code)}",
                deal["id"],
                params=params_json(t="stage", **{"from": previous, "to": code}),
            )
            kind = InteractionKind.MEETING.value if code == "meeting_held" else InteractionKind.NOTE.value
            if code in notes:
                self.history(
                    company["id"],
                    closer,
                    when + timedelta(minutes=5),
                    kind,
                    "",
                    self.rng.choice(notes[code]),
                    deal["id"],
                )
            last = when + timedelta(minutes=5)
        return last

    def deals(self) -> None:
        texts = self.words["texts"]
        plan = [code for code, n in DEAL_STAGE_COUNTS.items() for _ in range(n) if code in self.open_stages]
        while len(plan) < N_DEALS:
            plan.append(self.open_stages[len(plan) % len(self.open_stages)])
        self.rng.shuffle(plan)
        stale = set(self.rng.sample(range(N_DEALS), 8))
        for index, stage in enumerate(plan[:N_DEALS]):
            closer = self.closers[index % len(self.closers)]
            depth = self.open_stages.index(stage)
            company = self.new_company(self.day_ago(60 + 10 * depth, 400))
            self.set_priority(company)
            handover_day = self.day_ago(2 + 6 * depth, 12 + 12 * depth)
            caller, handed = self.hand_over_story(company, handover_day, closer)
            requirements = self.rng.choice(texts["requirements"])
            amount = _money(round(SIZE_DEAL_SCALE[company["size"]] * self.rng.uniform(0.4, 2.2), -3))
            end_day = self.today - timedelta(
                days=self.rng.randint(16, 30) if index in stale else self.rng.randint(1, 3)
            )
            end_day = max(end_day, handover_day)
            deal = self.deal_row(company, closer, caller, handed, stage, amount, requirements=requirements)
            last = self.stage_moves(company, deal, closer, stage, handed + timedelta(minutes=2), end_day)
            roll = self.rng.random()
            if roll < 0.22:
                due = self.today - timedelta(days=self.rng.randint(1, 10))
            elif roll < 0.35:
                due = self.today
            else:
                due = self.today + timedelta(days=self.rng.randint(1, 14))
            deal.update(
                next_step=self.rng.choice(texts["next_steps"].get(stage, texts["next_steps"]["new"])),
                next_step_due=due,
                last_activity_at=last,
                updated_at=last,
            )
            company.update(
                stage=Stage.PIPELINE.value,
                owner_id=closer.id,
                requirements=requirements,
                updated_at=last,
            )
            self.add_contacts(
                company,
                self.rng.randint(1, 3),
                decision_maker=True,
                birthdays_soon=1 if index % 7 == 0 else 0,
                created=handed,
            )
        # Deals the closers lost: in the supervisor's lost list (stage pipeline, no owner).
        comments = [
            "Выбрали поставщика с ценой ниже на 8%.",
            "Не устроили сроки поставки.",
            "Решение отложили на неопределённый срок.",
            "Ушли к конкуренту после тендера.",
        ]
        for index in range(N_LOST_DEALS):
            closer = self.closers[index % len(self.closers)]
            company = self.new_company(self.day_ago(120, 400))
            self.set_priority(company)
            caller, handed = self.hand_over_story(company, self.day_ago(30, 90), closer)
            reached = self.rng.choice(self.open_stages[1:4])
            amount = _money(round(SIZE_DEAL_SCALE[company["size"]] * self.rng.uniform(0.4, 1.8), -3))
            deal = self.deal_row(
                company, closer, caller, handed, reached, amount, requirements=self.rng.choice(texts["requirements"])
            )
            last = self.stage_moves(
                company,
                deal,
                closer,
                reached,
                handed + timedelta(minutes=2),
                self.today - timedelta(days=self.rng.randint(3, 20)),
            )
            code, label = self.rng.choice(self.reasons["lost_deal"] or [("other", "Другое")])
            comment = comments[index % len(comments)]
            closed = last + timedelta(hours=2)
            self.history(
                company["id"],
                closer,
                closed,
                InteractionKind.STAGE.value,
                self.lost_code,
                f"{self.stage_label.get(reached, reached)} → {self.stage_label.get(self.lost_code, 'Проиграна')}: "
                f"{label}\n{comment}",
                deal["id"],
                params=params_json(t="stage", reason=code, comment=comment, **{"from": reached, "to": self.lost_code}),
            )
            deal.update(
                status=DealStatus.LOST.value,
                stage_code=self.lost_code,
                lost_reason=code,
                lost_comment=comment,
                closed_at=closed,
                last_activity_at=closed,
                updated_at=closed,
            )
            company.update(stage=Stage.PIPELINE.value, owner_id=None, updated_at=closed)
            self.add_contacts(company, 1, decision_maker=True, created=handed)

    # -- the catalog and client growth --

    def make_catalog(self) -> dict[str, tuple[int, int]]:
        """The supplier's catalog from the goods list: product name -> (product id, category id)."""
        session = self.session
        categories: dict[str, ProductCategory] = {}
        for name in dict.fromkeys(DEMO_CATEGORIES.values()):
            category = session.execute(
                select(ProductCategory).where(ProductCategory.name_search == fold(name))
            ).scalar()
            if category is None:
                category = ProductCategory(name=name, name_search=fold(name))
                session.add(category)
            categories[name] = category
        session.flush()
        found: dict[str, tuple[int, int]] = {}
        for number, (name, unit, price) in enumerate(self.words["goods"], start=1):
            category = categories.get(DEMO_CATEGORIES.get(name, ""))
            if category is None:  # a good added to the word list later
                category = categories.setdefault("Прочее", ProductCategory(name="Прочее", name_search=fold("Прочее")))
                session.add(category)
                session.flush()
            product = Product(
                category_id=category.id,
                code=f"КБ-{number:04d}",
                name=name,
                name_search=fold(name),
                unit=unit[:16],
                price=_money(price),
            )
            session.add(product)
            session.flush()
            found[name] = (int(product.id or 0), int(category.id or 0))
        self.category_ids = {name: c.id for name, c in categories.items()}
        return found

    def order_lines(
        self, order_id: int, company_id: int, day: date, itemized: list, rate: float, margin: Decimal
    ) -> None:
        left = margin
        for number, (name, qty, amount) in enumerate(itemized):
            product_id, category_id = self.catalog[name]
            line_margin = left if number == len(itemized) - 1 else _money(float(amount) * rate)
            left -= line_margin
            self.rows.order_line.append(
                {
                    "id": self._id("order_line"),
                    "order_id": order_id,
                    "company_id": company_id,
                    "ordered_at": day,
                    "product_id": product_id,
                    "category_id": category_id,
                    "text": "",
                    "quantity": Decimal(qty),
                    "amount": amount,
                    "margin": line_margin,
                }
            )

    def growth(self, specialist: User | None) -> None:
        """Standards for the largest segments, two focus targets of this month, a specialist at work."""
        session = self.session
        company_by_id = {c["id"]: c for c in self.rows.company}
        for kind, segment, interval, names in DEMO_STANDARDS:
            amounts = [
                o["amount"]
                for o in self.rows.order
                for c in (company_by_id[o["company_id"]],)
                if c[kind] == segment and o["ordered_at"] > self.today - timedelta(days=365)
            ]
            # The median order, a fifth up: a goal within reach of most clients (a mean would follow the largest).
            amounts.sort()
            average = amounts[len(amounts) // 2] if amounts else Decimal(50_000)
            standard = ClientStandard(
                segment_kind=kind,
                segment=segment,
                interval_days=interval,
                average_order=_money(round(float(average) * 1.2, -3)),
                note=DEMO_STANDARD_NOTE,
                updated_by_id=self.supervisor.id,
            )
            session.add(standard)
            session.flush()
            session.add_all(StandardCategory(standard_id=standard.id, category_id=self.category_ids[n]) for n in names)
        # A month that is two thirds gone, so the first run shows progress already made.
        start, end = self.today - timedelta(days=20), self.today + timedelta(days=10)
        for category, kind, segment, metric, value in DEMO_FOCUS:
            session.add(
                FocusTarget(
                    starts_on=start,
                    ends_on=end,
                    category_id=self.category_ids[category],
                    segment_kind=kind,
                    segment=segment,
                    metric=metric,
                    value=Decimal(value),
                    created_by_id=self.supervisor.id,
                )
            )
        if specialist is None:
            return
        mine = [c for c in self.rows.company if c["owner_id"] == self.managers[0].id and c["category"] == "active"]
        for company, text_ in zip(mine[:2], DEMO_SPECIALIST_TASKS, strict=False):
            created = self.at(self.today - timedelta(days=1), 15, 0)
            self.task(
                company["id"],
                specialist,
                TaskKind.SPECIALIST.value,
                self.at(self.today + timedelta(days=1), 11, 0),
                text_,
                created,
                creator=self.managers[0],
            )
            self.history(
                company["id"],
                self.managers[0],
                created,
                InteractionKind.NOTE.value,
                "specialist_in",
                f"Приглашён специалист {specialist.full_name}: {text_}",
                params=params_json(t="specialist", name=specialist.full_name, text=text_),
            )

    # -- accounts --

    def order_items(self, target: float) -> tuple[str, Decimal, list[tuple[str, int, Decimal]]]:
        goods = self.words["goods"]
        picked = self.rng.sample(goods, self.rng.randint(1, 4))
        shares = [self.rng.uniform(0.5, 1.5) for _ in picked]
        total_share = sum(shares)
        lines = []
        itemized = []
        amount = 0
        for (name, unit, price), share in zip(picked, shares, strict=True):
            qty = max(1, round(target * share / total_share / price))
            amount += qty * price
            lines.append(f"{name} — {qty} × {unit}")
            itemized.append((name, qty, _money(qty * price)))
        return "; ".join(lines), _money(amount), itemized

    def account_story(self, manager: User, *, lost: bool) -> dict:
        texts = self.words["texts"]
        count = self.rng.choices(range(1, 21), weights=ORDER_COUNT_WEIGHTS)[0] if not lost else self.rng.randint(2, 9)
        interval = self.rng.randint(20, 95)
        if lost:
            last_day = self.today - timedelta(days=int(interval * self.rng.uniform(2.3, 5)))
        else:
            last_day = self.today - timedelta(days=self.rng.randint(1, int(interval * 1.2)))
        days = [last_day]
        for _ in range(count - 1):
            days.append(days[-1] - timedelta(days=max(7, int(interval * self.rng.uniform(0.6, 1.4)))))
        days.reverse()
        first_day = days[0]
        company = self.new_company(first_day - timedelta(days=self.rng.randint(40, 200)))
        closer = self.rng.choice(self.closers)
        # The conveyor: cold call → closer → first contract → account manager.
        handover_day = first_day - timedelta(days=self.rng.randint(14, 35))
        caller, handed = self.hand_over_story(company, handover_day, closer)
        requirements = self.rng.choice(texts["requirements"])
        scale = SIZE_ORDER_SCALE[company["size"]] * min(self.rng.paretovariate(1.05), 40)
        margin_rate = (-0.06, -0.01) if self.rng.random() < 0.03 else (0.06, 0.30)
        orders = []
        for day in days:
            items, amount, itemized = self.order_items(scale * self.rng.uniform(0.6, 1.5))
            rate = self.rng.uniform(*margin_rate)
            orders.append((day, items, amount, _money(float(amount) * rate), itemized, rate))
        deal = self.deal_row(
            company,
            closer,
            caller,
            handed,
            self.won_code,
            orders[0][2],
            requirements=requirements,
            status=DealStatus.WON.value,
            contract_date=first_day,
            contract_amount=orders[0][2],
        )
        last = self.stage_moves(
            company, deal, closer, self.open_stages[-1], handed + timedelta(minutes=2), first_day - timedelta(days=1)
        )
        signed = max(self.at(first_day, 11), last + timedelta(minutes=10))
        self.history(
            company["id"],
            closer,
            signed,
            InteractionKind.STAGE.value,
            self.won_code,
            f"{self.stage_label.get(self.open_stages[-1], '')} → {self.stage_label.get(self.won_code, 'Договор подписан')}",
            deal["id"],
            params=params_json(t="stage", **{"from": self.open_stages[-1], "to": self.won_code}),
        )
        self.history(
            company["id"],
            closer,
            signed + timedelta(minutes=1),
            InteractionKind.ORDER.value,
            "first_order",
            f"Договор от {first_day:%d.%m.%Y}, сумма {format_amount(orders[0][2], language='ru')}",
            deal["id"],
            params=params_json(t="first_order", date=first_day, amount=orders[0][2]),
        )
        self.history(
            company["id"],
            closer,
            signed + timedelta(minutes=2),
            InteractionKind.HANDOVER.value,
            "to_account",
            f"Передан клиентскому менеджеру {manager.full_name}",
            deal["id"],
            params=params_json(t="to_account", name=manager.full_name),
        )
        deal.update(closed_at=signed, last_activity_at=signed, updated_at=signed)
        results = texts["follow_up_results"]
        for number, (day, items, amount, margin, itemized, rate) in enumerate(orders):
            order_id = self._id("order")
            self.order_lines(order_id, company["id"], day, itemized, rate, margin)
            creator = closer if number == 0 else manager
            when = self.at(day, 11) if number == 0 else self.at(day)
            self.rows.order.append(
                {
                    "id": order_id,
                    "company_id": company["id"],
                    "ordered_at": day,
                    "items": items,
                    "amount": amount,
                    "margin": margin,
                    "deal_id": deal["id"] if number == 0 else None,
                    "account_manager_id": manager.id,
                    "created_by_id": creator.id,
                    "created_at": when,
                }
            )
            if number:
                self.history(
                    company["id"],
                    manager,
                    when,
                    InteractionKind.ORDER.value,
                    "order",
                    f"Заказ от {day:%d.%m.%Y}: {format_amount(amount, language='ru')} "
                    f"(маржа {format_amount(margin, language='ru')})\n{items}",
                    params=params_json(t="order", date=day, amount=amount, margin=margin, items=items),
                )
            if day <= self.today - timedelta(days=4):
                if self.rng.random() < 0.5:
                    score = self.rng.choice([5, 5, 4, 4, 3])
                    checked = self.at(day + timedelta(days=3))
                    said = self.rng.choice(texts["quality_results"])
                    self.history(
                        company["id"],
                        manager,
                        checked,
                        InteractionKind.QUALITY.value,
                        f"score_{score}",
                        f"Удовлетворённость {score}/5\n{said}",
                        params=params_json(t="comment", comment=said),
                    )
            elif not lost:
                self.task(
                    company["id"],
                    manager,
                    TaskKind.QUALITY_CHECK.value,
                    self.at(day + timedelta(days=3), 10, 0),
                    "Проверить, доволен ли клиент поставкой",
                    when,
                    order_id=order_id,
                )
            next_day = days[number + 1] if number + 1 < len(days) else None
            if next_day and (next_day - day).days > 20 and self.rng.random() < 0.6:
                self.history(
                    company["id"],
                    manager,
                    self.at(day + timedelta(days=(next_day - day).days // 2)),
                    InteractionKind.FOLLOW_UP.value,
                    "",
                    self.rng.choice(results),
                )
        revenue = sum((o[2] for o in orders), Decimal("0"))
        margin_total = sum((o[3] for o in orders), Decimal("0"))
        average = (days[-1] - days[0]).days / (len(days) - 1) if len(days) > 1 else None
        next_purchase = days[-1] + timedelta(days=round(average)) if average else None
        company.update(
            stage=Stage.ACCOUNT.value,
            category=Category.LOST.value if lost else Category.ACTIVE.value,
            owner_id=manager.id,
            requirements=requirements,
            orders_count=len(orders),
            revenue_total=revenue,
            margin_total=margin_total,
            first_order_at=days[0],
            last_order_at=days[-1],
            next_purchase_at=next_purchase,
            potential_score=self.rng.randint(10, 95),
            last_tried_at=company["last_tried_at"],
            updated_at=self.at(days[-1]),
        )
        if not lost and len(days) > 1 and self.rng.random() < 0.15:
            stated = self.today + timedelta(days=self.rng.randint(3, 45))
            call = self.at(self.today - timedelta(days=self.rng.randint(1, 6)))
            if call.date() > days[-1]:
                self.history(
                    company["id"],
                    manager,
                    call,
                    InteractionKind.FOLLOW_UP.value,
                    "purchase_planned",
                    f"Закупка запланирована\nСледующая закупка (со слов клиента): {stated:%d.%m.%Y}",
                    params=params_json(t="follow_up", next_purchase=stated),
                )
                company.update(next_purchase_at=stated, next_purchase_is_stated=True)
        contacts = self.rng.randint(1, 4)
        self.add_contacts(
            company, contacts, decision_maker=True, birthdays_soon=1 if self.rng.random() < 0.12 else 0, created=handed
        )
        return company

    def accounts(self) -> None:
        texts = self.words["texts"]
        active = []
        for index in range(N_ACCOUNTS):
            manager = self.managers[index % len(self.managers)]
            company = self.account_story(manager, lost=False)
            roll = self.rng.random()
            if roll < 0.15:
                follow = self.at(self.today - timedelta(days=self.rng.randint(1, 7)), 10, 0)
            elif roll < 0.25:
                follow = self.at(self.today, self.rng.randint(9, 16), 0)
            else:
                follow = self.at(self.today + timedelta(days=self.rng.randint(1, 40)), 10, 0)
            company["next_follow_up_at"] = follow
            active.append(company)
        # A few open follow-up tasks due today or overdue, for each account manager.
        for index, company in enumerate(self.rng.sample(active, 12)):
            manager = next(m for m in self.managers if m.id == company["owner_id"])
            due = self.today - timedelta(days=index % 4)
            self.task(
                company["id"],
                manager,
                TaskKind.FOLLOW_UP.value,
                self.at(due, 10 + index % 6, 0),
                self.rng.choice(texts["follow_up_tasks"]),
                self.at(due - timedelta(days=7)),
            )
        lost = []
        reasons = self.reasons["lost_client"] or [("no_orders", "Нет заказов")]
        for index in range(N_LOST_CLIENTS):
            manager = self.managers[index % len(self.managers)]
            company = self.account_story(manager, lost=True)
            code, label = self.rng.choice(reasons)
            when = self.at(
                company["last_order_at"]
                + timedelta(days=int((company["next_purchase_at"] - company["last_order_at"]).days * 2))
            )
            when = min(when, self.at(self.today - timedelta(days=1)))
            # The reason as a code, as the account manager's "mark lost" writes it: the lost list reads it there.
            why = texts["lost_texts"].get(code, "")
            self.history(
                company["id"],
                manager,
                when,
                InteractionKind.SYSTEM.value,
                (LOST_PREFIX + code)[:32],
                f"{label}\n{why}" if why else label,
                params=params_json(t="comment", comment=why or None),
            )
            due = self.at(self.today + timedelta(days=self.rng.randint(-5, 14)), 11, 0)
            self.task(
                company["id"],
                manager,
                TaskKind.RETURN.value,
                due,
                self.rng.choice(texts["return_tasks"]),
                when,
                creator=self.supervisor,
            )
            company["updated_at"] = when
            lost.append(company)
        self._classify(active + lost, active)

    def _classify(self, companies: list[dict], active: list[dict]) -> None:
        """ABCDE per channel and the key-client flag.

        E: negative margin.  Otherwise p = the company's percentile of margin within its channel and
        s = potential_score: A p ≥ 0.8 and s ≥ 60; B p ≥ 0.5 (or p ≥ 0.8 with lower potential);
        C low profit with s ≥ 50; D the rest.  Key clients: the top 20% of active clients by revenue.
        """
        by_channel: dict[str, list[dict]] = {}
        for company in companies:
            by_channel.setdefault(company["channel"], []).append(company)
        for group in by_channel.values():
            ranked = sorted(group, key=lambda c: (c["margin_total"], c["id"]))
            for position, company in enumerate(ranked):
                p = (position + 1) / len(ranked)
                s = company["potential_score"]
                if company["margin_total"] < 0:
                    cls = "E"
                elif p >= 0.8 and s >= 60:
                    cls = "A"
                elif p >= 0.5:
                    cls = "B"
                elif s >= 50:
                    cls = "C"
                else:
                    cls = "D"
                company["abcde_class"] = cls
        top = sorted(active, key=lambda c: (-c["revenue_total"], c["id"]))[: max(1, round(len(active) * 0.2))]
        for company in top:
            company["is_key_client"] = True

    # -- refusals --

    def refused(self) -> None:
        texts = self.words["texts"]
        reasons = self.reasons["refusal"] or [("other", "Другое")]
        monday = self.today - timedelta(days=self.today.weekday())
        plan = (
            ["week"] * N_REFUSED_THIS_WEEK
            + ["older"] * N_REFUSED_OLDER
            + ["shelve"] * N_REFUSAL_SHELVED
            + ["offer"] * N_REFUSAL_OFFER
            + ["dnc"] * N_REFUSAL_DNC
        )
        for kind in plan:
            company = self.new_company(self.day_ago(30, 400))
            self.estimate_class(company)
            self.set_priority(company)
            if kind == "week":
                day = monday + timedelta(days=self.rng.randint(0, (self.today - monday).days))
            else:
                day = self.today - timedelta(days=self.today.weekday() + self.rng.randint(1, 35))
            caller = self.rng.choice(self.callers)
            earlier = self.rng.randint(0, 2)
            if earlier:
                self.cold_calls(
                    company,
                    max(company["created_at"].date(), day - timedelta(days=14)),
                    day - timedelta(days=1),
                    earlier,
                    caller=caller,
                )
            # Today's refusals early in the morning, so that they are not in the future when the demo is made.
            when = self.at(day, self.rng.randint(8, 9)) if day == self.today else self.at(day)
            code, label = self.rng.choice(reasons)
            comment = self.rng.choice(texts["refusal_comments"].get(code, [""]))
            self.history(
                company["id"],
                caller,
                when,
                InteractionKind.CALL.value,
                "refused",
                f"Отказ: {label}\n{comment}".strip(),
                params=params_json(t="call", outcome="refused", reason=code, comment=comment or None),
            )
            if self.rng.random() < 0.5:
                self.add_contacts(company, 1, decision_maker=self.rng.random() < 0.5)
            refusal = {
                "id": self._id("refusal"),
                "company_id": company["id"],
                "caller_id": caller.id,
                "refused_at": when,
                "reason_code": code,
                "comment": comment,
                "decision": None,
                "decided_by_id": None,
                "decided_at": None,
                "offer_text": "",
                "offer_user_id": None,
                "shelved_until": None,
            }
            self.rows.refusal.append(refusal)
            company.update(
                category=Category.REFUSED.value,
                attempts=earlier + 1,
                last_tried_at=when,
                last_outcome="refused",
                updated_at=when,
            )
            if kind in ("shelve", "offer", "dnc"):
                decided = self.at(day + timedelta(days=self.rng.randint(1, 6)))
                decided = max(min(decided, self.at(self.today - timedelta(days=1))), when + timedelta(hours=1))
                refusal.update(decided_by_id=self.supervisor.id, decided_at=decided)
                company["updated_at"] = decided
                if kind == "shelve":
                    until_day = self.today + timedelta(days=self.rng.randint(14, 120))
                    until = datetime.combine(until_day, time.min, tzinfo=self.tz).astimezone(UTC)
                    refusal.update(decision=RefusalDecision.SHELVE.value, shelved_until=until)
                    company.update(
                        category=Category.POTENTIAL.value,
                        queue_rank=company["priority"],
                        shelved_until=until,
                        not_before=until,
                        attempts=0,
                    )
                    note = f"отложить до {until_day:%d.%m.%Y}"
                    facts = params_json(t="shelved", until=until_day)
                elif kind == "offer":
                    offer = self.rng.choice(texts["special_offers"])
                    target = self.rng.choice([None, caller])
                    refusal.update(
                        decision=RefusalDecision.SPECIAL_OFFER.value,
                        offer_text=offer,
                        offer_user_id=target.id if target else None,
                    )
                    company.update(
                        category=Category.POTENTIAL.value,
                        queue_rank=10,
                        special_offer=offer,
                        special_offer_user_id=target.id if target else None,
                        attempts=0,
                    )
                    note = f"перезвонить со спецпредложением: {offer}"
                    if target:
                        note += f" (для {target.full_name})"
                    facts = params_json(t="special_offer", offer=offer, caller=target.full_name if target else None)
                else:
                    refusal["decision"] = RefusalDecision.DO_NOT_CALL.value
                    company["category"] = Category.DO_NOT_CALL.value
                    note = "больше не звонить"
                    facts = params_json(t="comment")
                self.history(
                    company["id"],
                    self.supervisor,
                    decided,
                    InteractionKind.DECISION.value,
                    refusal["decision"],
                    f"{self.supervisor.full_name} решил(а): {note}",
                    params=facts,
                )

    # -- writing --

    def playbook(self) -> None:
        """The head of sales' plans, after the companies are written: each person's targets for this week and
        month, the activation plan of the last months, and a second person for two key clients of each manager."""
        session = self.session
        monday = self.today - timedelta(days=self.today.weekday())
        month = self.today.replace(day=1)
        plans = [(u, "calls", "day", self.today, 120) for u in self.callers]
        plans += [(u, "handovers", "week", monday, 8) for u in self.callers]
        plans += [(u, "deals_won", "month", month, 4) for u in self.closers]
        plans += [(u, "revenue", "month", month, 2_000_000) for u in self.managers]
        plans += [(u, "orders", "week", monday, 5) for u in self.managers]
        for user, metric, period, starts_on, value in plans:
            session.add(Target(user_id=user.id, metric=metric, period=period, starts_on=starts_on, value=value))
        start = month
        for _back in range(3):
            session.add(ActivationPlan(month=start, value=12, updated_by_id=self.supervisor.id))
            start = (start - timedelta(days=1)).replace(day=1)
        keys = [
            c
            for c in self.rows.company
            if c["stage"] == Stage.ACCOUNT and c["category"] == Category.ACTIVE and c["is_key_client"]
        ]
        for manager, other in zip(self.managers, reversed(self.managers), strict=True):
            if manager is other:
                continue
            for company in [c for c in keys if c["owner_id"] == manager.id][:2]:
                session.add(
                    SecondPerson(
                        company_id=company["id"],
                        user_id=other.id,
                        stage=Stage.ACCOUNT,
                        assigned_by_id=self.supervisor.id,
                        assigned_at=self.at(self.today - timedelta(days=20), 10, 0),
                    )
                )

    def no_future(self) -> None:
        """Moments of things that happened but fall after `now` (later today) are drawn back into the part of
        today already gone, keeping their order: one increasing map for every table, so a refusal and its call,
        or a company's last try and that call, stay equal."""
        day_start = datetime.combine(self.today, time.min, tzinfo=self.tz).astimezone(UTC)
        now = self.now - timedelta(minutes=1)
        if now <= day_start:
            return
        day = timedelta(days=1)

        def back(moment: datetime) -> datetime:
            if moment <= now:
                return moment
            if moment >= day_start + day:
                return now
            return day_start + (moment - day_start) * ((now - day_start) / day)

        for table, columns in _PAST_COLUMNS.items():
            for row in getattr(self.rows, table):
                for column in columns:
                    value = row.get(column)
                    if isinstance(value, datetime) and value > now:
                        row[column] = back(value)

    def write(self) -> DemoSummary:
        self.no_future()
        rows = self.rows
        companies = [
            queue_membership.stamp({k: v for k, v in row.items() if not k.startswith("_")}) for row in rows.company
        ]
        # Interactions in time order per company are what the history shows; ids follow time.
        rows.interaction.sort(key=lambda r: (r["at"], r["id"]))
        base = min((r["id"] for r in rows.interaction), default=1)
        for offset, row in enumerate(rows.interaction):
            row["id"] = base + offset
        session = self.session
        for table, data in (
            ("company", companies),
            ("deal", rows.deal),
            ("contact", rows.contact),
            ("order", rows.order),
            ("order_line", rows.order_line),
            ("interaction", rows.interaction),
            ("refusal", rows.refusal),
            ("task", rows.task),
        ):
            if data:
                session.execute(insert(_TABLES[table]), data)
        if rows.phone:
            session.execute(insert(_TABLES["phone"]), rows.phone)
        if session.get_bind().dialect.name == "postgresql":
            # Explicit ids do not advance the serial sequences.
            for table in _TABLES.values():
                session.execute(
                    text(
                        "SELECT setval(pg_get_serial_sequence(:t, 'id'), COALESCE((SELECT max(id) FROM "
                        + table.name
                        + "), 0) + 1, false)"
                    ),
                    {"t": table.name},
                )
        return DemoSummary(
            companies=len(companies),
            potential_in_queue=sum(1 for c in companies if c["in_queue"] and c["category"] == Category.POTENTIAL),
            deals_open=sum(1 for d in rows.deal if d["status"] == DealStatus.OPEN),
            accounts_active=sum(1 for c in companies if c["category"] == Category.ACTIVE),
            lost_clients=sum(1 for c in companies if c["category"] == Category.LOST),
            refused=len(rows.refusal),
            contacts=len(rows.contact),
            orders=len(rows.order),
            interactions=len(rows.interaction),
        )


def generate_demo_data(
    session: Session,
    users_by_name: dict[str, User],
    *,
    today: date | None = None,
    now: datetime | None = None,
    seed: int = SEED,
) -> DemoSummary:
    """Fill the database with the demo client base (inside the caller's transaction).

    *today* the call centre's day the data is built around (today by default) and *now* the moment nothing that
    happened may follow (the clock's now when *today* is today; else the end of *today*)."""
    if today is None or (now is None and today == timezones.business_today()):
        now = now or datetime.now(UTC)
        today = today or timezones.business_today(now)
    generator = _Generator(session, users_by_name, today, seed, now)
    generator.potential()
    generator.deals()
    generator.accounts()
    generator.refused()
    generator.growth(users_by_name.get("specialist"))
    summary = generator.write()
    generator.playbook()
    return summary
