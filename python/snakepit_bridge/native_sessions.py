"""Session requests of the native transport: the ``close_session``,
``snapshot_session`` and ``restore_session`` frames and their replies,
served from the worker's ``SessionStore``.

They run adapter code (the session hooks), which may be slow, so the
server never answers them on a connection's reader thread; nor in a tool
slot, since they must not be refused or wait when the slots are busy with
other sessions' calls. ``native_server`` runs them one at a time on a
thread of their own.
"""

from __future__ import annotations

import json
from typing import Any, Callable

from snakepit_bridge._proto.native_pb2 import Envelope
from snakepit_bridge.dispatch import encode_value
from snakepit_bridge.errors import (
    INVALID_ARGUMENTS,
    MESSAGE_TOO_LARGE,
    ToolFailure,
)
from snakepit_bridge.frames import encode, frame_of
from snakepit_bridge.native_connection import error_envelope
from snakepit_bridge.sessions import SessionFailure
from snakepit_bridge.tool_call import ServedAdapter, message_too_large

#: The envelope bodies this module answers.
SESSION_REQUESTS = ("close_session", "snapshot_session", "restore_session")


def session_reply_frame(served: ServedAdapter, envelope: Any,
                        closing: Callable[[], bool] | None = None) -> bytes:
    """The frame answering the session request ``envelope``: its reply, or
    an ``error``: the store's ``SessionFailure``, or ``message_too_large``
    for a snapshot above ``max_message_bytes``. A ``close_session`` whose
    state was detached already (``SessionStore.detach``) finishes with
    ``closing``. Other exceptions are the worker's own failure, left to the
    caller."""
    call_id = envelope.call_id
    try:
        reply = Envelope(call_id=call_id)
        kind = envelope.WhichOneof("body")
        if kind == "close_session":
            _close(served, envelope.close_session, reply, closing)
        elif kind == "snapshot_session":
            _snapshot(served, envelope.snapshot_session, reply)
        else:
            _restore(served, envelope.restore_session, reply)
        body = reply.SerializeToString()
        if len(body) > served.max_message_bytes:  # only a snapshot can be
            raise SessionFailure(MESSAGE_TOO_LARGE, message_too_large(
                "the snapshot of session "
                f"{envelope.snapshot_session.session_id!r}", len(body),
                served.max_message_bytes,
                "keep less in the session's snapshot").message)
        return frame_of(body)
    except SessionFailure as failure:
        return encode(error_envelope(call_id, failure.category,
                                     failure.message))


def _close(served: ServedAdapter, request: Any, reply: Any,
           closing: Callable[[], bool] | None) -> None:
    """``session_closed``: whether the session had a state here."""
    closed = (closing() if closing is not None
              else served.sessions.close(request.session_id))
    reply.session_closed.SetInParent()
    reply.session_closed.success = closed
    reply.session_closed.resources_cleaned = int(closed)


def _snapshot(served: ServedAdapter, request: Any, reply: Any) -> None:
    """``session_state``: the snapshot, encoded like a result; only the
    session id when the session has no state here."""
    session_id = request.session_id
    state = reply.session_state
    state.SetInParent()
    state.session_id = session_id
    snapshot = served.sessions.snapshot(session_id)
    if snapshot is None:
        return
    try:
        encoded = encode_value(f"the snapshot of session {session_id!r}",
                               snapshot.value)
    except ToolFailure as failure:
        raise SessionFailure(failure.category, failure.summary) from failure
    if isinstance(encoded, bytes):
        state.binary = encoded
    else:
        state.json = encoded.encode()


def _restore(served: ServedAdapter, state: Any, reply: Any) -> None:
    """``session_restored``, once the store took the state (or forgot the
    session's, for a state without a value)."""
    session_id = state.session_id
    kind = state.WhichOneof("value")
    if kind is None:
        served.sessions.forget(session_id)
    elif kind == "binary":
        served.sessions.restore(session_id, state.binary)
    else:
        served.sessions.restore(session_id, _decoded(session_id, state.json))
    reply.session_restored.SetInParent()


def _decoded(session_id: str, text: bytes) -> Any:
    """The JSON value of a snapshot; ``invalid_arguments`` if it is none."""
    try:
        return json.loads(text)
    except (ValueError, RecursionError) as exc:
        raise SessionFailure(
            INVALID_ARGUMENTS, f"the snapshot of session {session_id!r} is "
            f"not valid JSON: {type(exc).__name__}: {exc}") from exc
