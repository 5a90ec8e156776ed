"""How operations, results, errors and pushed events look on the wire: JSON, checked against types.

JSON (never pickle): a request body is an object of the operation's arguments, decoded
strictly into the operation's schema; a reply is `{"result": ...}` or `{"error": {"kind",
"message", "details"}}`.  Dataclasses, dates, times and decimals travel as JSON objects, ISO
strings and decimal strings, and come back as the same types (msgspec does both directions,
and validates on the way in).
"""

from __future__ import annotations

from typing import Any

import msgspec

from kbase_tui.i18n import _

from .errors import KbaseError, StaleRecord, ValidationFailed, error_class
from .operations import Operation

# Sent by the app in every request and by the server in every reply: a client and a server of
# different versions refuse each other with a clear message instead of misreading fields.
PROTOCOL_VERSION = "1"
VERSION_HEADER = "x-kbase-protocol"
API = "/v1"


def _enc_hook(value: Any) -> Any:
    if isinstance(value, str):  # i18n.Msg and other str subclasses
        return str.__str__(value)
    if isinstance(value, (set, frozenset)):
        return sorted(value)
    raise NotImplementedError(f"cannot send a {type(value).__name__} over the wire")


_ENCODER = msgspec.json.Encoder(enc_hook=_enc_hook)


def encode(value: Any) -> bytes:
    return _ENCODER.encode(value)


def encode_result(value: Any) -> bytes:
    return _ENCODER.encode({"result": value})


def encode_error(error: KbaseError) -> bytes:
    details = error.details()
    try:
        return _ENCODER.encode({"error": {"kind": type(error).__name__, "message": str(error), "details": details}})
    except (TypeError, NotImplementedError):  # details that cannot travel: the message still does
        return _ENCODER.encode({"error": {"kind": type(error).__name__, "message": str(error), "details": {}}})


class ErrorBody(msgspec.Struct):
    kind: str
    message: str
    details: dict[str, Any] = {}


class ErrorReply(msgspec.Struct):
    error: ErrorBody


def decode_error(body: bytes, op: Operation[Any] | None = None) -> KbaseError:
    """The error in a reply, as the same class the server raised (KbaseError if this side lacks it)."""
    try:
        reply = msgspec.json.decode(body, type=ErrorReply)
    except msgspec.DecodeError:
        return KbaseError(_("The server sent an answer this app cannot read."))
    cls = error_class(reply.error.kind)
    details = dict(reply.error.details)
    if cls is StaleRecord and op is not None and op.stale is not None and details.get("current") is not None:
        try:
            details["current"] = msgspec.convert(details["current"], type=op.stale)
        except msgspec.ValidationError:
            details["current"] = None
    return cls.from_wire(reply.error.message, details)


_ARG_TYPES: dict[str, msgspec.json.Decoder] = {}
_RESULT_TYPES: dict[str, msgspec.json.Decoder] = {}


def decode_args(op: Operation[Any], body: bytes) -> dict[str, Any]:
    """The arguments of a request, checked against the operation's schema; ValidationFailed if they fail."""
    decoder = _ARG_TYPES.get(op.name)
    if decoder is None:
        decoder = _ARG_TYPES[op.name] = msgspec.json.Decoder(op.params)
    try:
        args = decoder.decode(body or b"{}")
    except msgspec.ValidationError as error:
        raise ValidationFailed(
            _("The request was refused: {problem}.").format(problem=str(error).rstrip("."))
        ) from None
    except msgspec.DecodeError:
        raise ValidationFailed(_("The request was refused: it is not JSON.")) from None
    return msgspec.structs.asdict(args)


def decode_result(op: Operation[Any], body: bytes) -> Any:
    decoder = _RESULT_TYPES.get(op.name)
    if decoder is None:
        reply = msgspec.defstruct("Reply", [("result", op.result)])
        decoder = _RESULT_TYPES[op.name] = msgspec.json.Decoder(reply)
    return decoder.decode(body).result


def decode_as(body: bytes, kind: Any) -> Any:
    """A reply or body of a fixed type (the session's own messages)."""
    return msgspec.json.decode(body, type=kind)


_REPLY_TYPES: dict[Any, type[msgspec.Struct]] = {}


def decode_reply(body: bytes, kind: Any) -> Any:
    """The `result` of a reply, as *kind* (replies of the session's own routes)."""
    reply = _REPLY_TYPES.get(kind)
    if reply is None:
        reply = _REPLY_TYPES[kind] = msgspec.defstruct("Reply", [("result", kind)])
    return msgspec.json.decode(body, type=reply).result
