"""Text normalisation for the services (see kbase_tui.textnorm)."""

from kbase_tui.i18n import ngettext
from kbase_tui.textnorm import clean_input, fold, name_key

from .errors import ValidationFailed

__all__ = ["clean_input", "fold", "name_key", "typed_text"]


def typed_text(text: str, limit: int, field: str) -> str:
    """clean_input for a value a person typed into a form: one longer than its column is refused, never cut.

    A cut value was saved as "Сохранено." while its tail was gone, and typing more then said "Ничего не
    изменено." (the cut value equalled the saved one).  `field` is the form's label, already translated.
    """
    value = clean_input(text)
    if len(value) > limit:
        raise ValidationFailed(
            ngettext(
                "{field}: the field holds at most {n} character, {length} are typed. Shorten it and save again.",
                "{field}: the field holds at most {n} characters, {length} are typed. Shorten it and save again.",
                limit,
            ).format(field=field, n=limit, length=len(value))
        )
    return value
