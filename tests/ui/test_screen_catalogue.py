"""The screen catalogue (tests/ui/screen_catalogue.py) names every screen and dialog of kbase.

A screen class that no stop of any role names fails here: add it to the catalogue with the keys that
reach it, and the hostile walk and the 80x24 snapshots then cover it.  Each stop is driven (and its
screen checked on top) by those tests; here only what needs no app.
"""

from __future__ import annotations

from .screen_catalogue import ABSTRACT, CATALOGUE, NOT_YET, ROLES, SIGN_IN_STOPS, all_stops, screen_classes


def test_every_screen_class_is_reached_by_the_catalogue():
    classes = screen_classes()
    named = {stop.screen for _role, stop in all_stops()} | {stop.screen for stop in SIGN_IN_STOPS}
    missing = sorted(set(classes) - named - ABSTRACT - NOT_YET)
    assert not missing, f"screens no stop of the catalogue reaches: {missing}"
    assert set(classes) - named >= NOT_YET, (
        f"walked or gone, no longer 'not yet': {sorted(NOT_YET - (set(classes) - named))}"
    )
    unknown = sorted(name for name in named - set(classes) if name.startswith("kbase_tui."))
    assert not unknown, f"stops naming no screen class: {unknown}"


def test_the_abstract_screens_are_only_bases():
    classes = screen_classes()
    named = {stop.screen for _role, stop in all_stops()} | {stop.screen for stop in SIGN_IN_STOPS}
    for name in ABSTRACT:
        base = classes[name]
        assert name not in named, name
        assert any(issubclass(classes[other], base) and other != name for other in named if other in classes), name


def test_every_role_has_its_home_first_and_unique_stop_names():
    names = [stop.name for _role, stop in all_stops()]
    assert len(names) == len(set(names))
    for role in ROLES:
        assert CATALOGUE[role][0].steps == (), role
