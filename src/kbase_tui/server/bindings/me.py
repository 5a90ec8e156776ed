"""The signed-in person's own settings."""

from kbase_tui.i18n import SUPPORTED
from kbase_tui.protocol import me as api
from kbase_tui.protocol.errors import ValidationFailed
from kbase_tui.services import users

from . import CallContext, adapter


@adapter(api.set_language, users.set_language)
def set_language(context: CallContext, language: str | None) -> None:
    if language is not None and language not in SUPPORTED:
        raise ValidationFailed()
    users.set_language(context.db, context.actor, language)
    # The session's later answers come in the new language too.
    context.server.sessions.set_language(context.session, language)
