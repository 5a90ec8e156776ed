"""What the terminal app and the server say to each other, imported by both and importing neither.

- `operations`: named, typed operations (declared per feature in the modules below);
- `wire`: JSON encoding and strict decoding of arguments, results, errors and events;
- `session`: signing in and out, the idle lock, pushed events;
- `errors`: the expected failures, by class;
- `dto` and the feature modules: the plain data the services hand out (frozen dataclasses).

Nothing here imports SQLAlchemy, the models, the services, the server or the UI, so the app
can load it without the database layer (tests/test_import_hygiene.py).
"""

from __future__ import annotations

import importlib

# One module a feature; kbase_tui.server.bindings has a module of the same name binding its operations.
FEATURES = (
    "me",
    "drafts",
    "queue",
    "pipeline",
    "accounts",
    "clients",
    "refusals",
    "reports",
    "targets",
    "settings",
    "hours",
    "transfer",
    "importer",
    "exporter",
    "callscripts",
    "users",
    "audit",
    "alarms",
    "history_labels",
    "companies",
    "duplicates",
    "playbook",
    "catalog",
    "growth",
    "specialists",
)


def load_all() -> None:
    """Import every feature module, so that every operation is declared."""
    for feature in FEATURES:
        importlib.import_module(f"{__name__}.{feature}")
