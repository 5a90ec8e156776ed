"""`kbase hours`: the call centre's zone and the calling window of the cold-call queue.

    kbase hours                                   # show them, and which client zones are open now
    kbase hours --days 1-5 --hours 09:00-13:00,14:00-18:00 --holidays RU --centre Europe/Moscow
    kbase hours --fill-zones                      # give companies with no zone one from phones/city
    kbase hours --channel Розница --hours 10:00-19:00 --days 1-6   # a sales channel's own window
    kbase hours --channel Розница --default                        # back to the default window

Audited as the server's owner (`local:<OS user>`); the server applies a change within seconds.
"""

from __future__ import annotations

import argparse

from kbase_tui.i18n import _


def _days(text: str) -> list[int]:
    days: set[int] = set()
    for part in text.split(","):
        first, _sep, last = part.strip().partition("-")
        days.update(range(int(first), int(last or first) + 1))
    return sorted(days)


def _hours(text: str) -> list[list[str]]:
    return [list(part.strip().split("-", 1)) for part in text.split(",") if part.strip()]


def register(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser(
        "hours",
        help=_("show or set the calling window and the call centre's time zone"),
        description=_(
            "The cold-call queue offers a company only while its own local time is inside the calling "
            "window: on the days (1 = Monday), in the hours (gaps are breaks), and not on the public "
            "holidays of the country. Agreed callbacks are kept whatever the window."
        ),
    )
    parser.add_argument("--days", type=_days, metavar="1-5", help=_("calling days, 1 = Monday: 1-5 or 1,2,3,4,5,6"))
    parser.add_argument(
        "--hours",
        type=_hours,
        metavar="09:00-13:00,14:00-18:00",
        help=_("calling hours of the client's clock; the gaps are breaks"),
    )
    parser.add_argument("--holidays", metavar="RU", help=_("country of the public holidays ('' for none)"))
    parser.add_argument("--centre", metavar="ZONE", help=_("the call centre's time zone, e.g. Europe/Moscow"))
    parser.add_argument(
        "--channel",
        metavar="NAME",
        help=_("set the window of this sales channel only (--hours, --days), instead of the default window"),
    )
    parser.add_argument(
        "--default",
        action="store_true",
        help=_("with --channel: the channel keeps the default window again"),
    )
    parser.add_argument(
        "--fill-zones", action="store_true", help=_("give every company with no zone the one its phones or city tell")
    )
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from kbase_tui.services import clock, users
    from kbase_tui.services.setup import open_database

    database = open_database(args.db)
    actor = users.local_actor()
    if args.channel is not None:
        if args.holidays is not None or args.centre is not None:
            print(_("--holidays and --centre are the same for every channel: give them without --channel."))
            return 2
        clock.set_channel_window(database, actor, args.channel, days=args.days, hours=args.hours, remove=args.default)
    elif args.default:
        print(_("--default goes with --channel NAME."))
        return 2
    elif any(value is not None for value in (args.days, args.hours, args.holidays, args.centre)):
        clock.set_calling_hours(
            database, actor, days=args.days, hours=args.hours, country=args.holidays, centre=args.centre
        )
    if args.fill_zones:
        with database.write() as session:
            filled = clock.fill_company_zones(session.connection())
        print(_("Companies given a time zone: {n}").format(n=filled))
    info = clock.calling_hours(database, actor)
    print(_("Call centre's time zone: {zone}").format(zone=info.centre_zone))
    print(_("Calling days: {days}").format(days=", ".join(map(str, info.days))))
    print(_("Calling hours (the client's clock): {hours}").format(hours=", ".join(f"{a}–{b}" for a, b in info.hours)))
    print(_("Public holidays of: {country}").format(country=info.country or _("none")))
    unknown = _("(not known: the call centre's)")
    for name, local, is_open in info.zones:
        state = _("open") if is_open else _("closed")
        print(f"  {name or unknown}  {local}  {state}")
    for channel, days, hours, opened in info.channels:
        print(
            _("Channel {name}: days {days}, hours {hours}; open now in: {zones}").format(
                name=channel,
                days=", ".join(map(str, days)),
                hours=", ".join(f"{a}–{b}" for a, b in hours),
                zones=", ".join(zone or unknown for zone in opened) or _("none"),
            )
        )
    return 0
