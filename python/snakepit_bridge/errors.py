"""Error categories a tool call can fail with, and the exceptions behind them.

Errors leave the worker as values (``ToolError`` on the wire); these classes
carry them from the dispatcher to the gRPC edge. The category names match the
host's ``snakepit::error_code`` names (see ``<snakepit/failure.hpp>``).
"""

from __future__ import annotations

#: The tool raised; ``type``, ``message`` and ``traceback`` describe it.
PYTHON_ERROR = "python_error"
#: The adapter has no tool of that name.
UNKNOWN_COMMAND = "unknown_command"
#: The arguments were not valid JSON or did not fit the tool's signature.
INVALID_ARGUMENTS = "invalid_arguments"

# Categories of the worker's own refusals (``FrameError``, ``HostToolError``).

#: Every tool slot is taken (a host bug: it never sends more calls).
POOL_SATURATED = "pool_saturated"
#: The worker is stopping.
SHUTTING_DOWN = "shutting_down"
#: The worker (or, for a host call, the host) failed by itself.
INTERNAL = "internal"
#: What was asked cannot be done here: a snapshot hook the adapter lacks, a
#: host call without the native transport.
UNSUPPORTED = "unsupported"
#: A message would be larger than ``max_message_mb`` allows.
MESSAGE_TOO_LARGE = "message_too_large"
#: The connection to the host closed while a host call waited.
CONNECTION_CLOSED = "connection_closed"


class UnknownToolError(LookupError):
    """Raised by an adapter's ``execute_tool`` for a name it does not serve.

    The worker reports it with category ``unknown_command``.
    """


class InvalidArgumentsError(TypeError):
    """Raised by an adapter's ``execute_tool`` for arguments it cannot take.

    The worker reports it with category ``invalid_arguments``.
    """


#: Longest message a ToolFailure carries, in characters: messages often
#: quote the input (an unexpected keyword, a value), which may be megabytes.
MAX_MESSAGE_CHARS = 2000


def shorten(text: str, limit: int = MAX_MESSAGE_CHARS) -> str:
    """``text``, or its first ``limit`` characters and how long it was."""
    if len(text) <= limit:
        return text
    return f"{text[:limit]}... ({len(text)} characters)"


class ToolFailure(Exception):
    """A failed tool call, ready to be put on the wire as a ``ToolError``.

    Its message is cut to ``MAX_MESSAGE_CHARS``."""

    def __init__(self, category: str, type_name: str, message: str,
                 traceback: str = "") -> None:
        message = shorten(message)
        super().__init__(category, type_name, message)
        #: One of ``PYTHON_ERROR``, ``UNKNOWN_COMMAND``, ``INVALID_ARGUMENTS``.
        self.category = category
        #: Python exception class name, e.g. ``"ValueError"``.
        self.type = type_name
        #: Human-readable reason.
        self.message = message
        #: Formatted Python traceback, "" when there is none.
        self.traceback = traceback

    def __str__(self) -> str:
        return f"{self.category}: {self.summary}"

    @property
    def summary(self) -> str:
        """``"Type: message"``, the response's ``error_message``."""
        return f"{self.type}: {self.message}"


class HostToolError(Exception):
    """A call to a host tool (``ToolContext.call_host``) failed.

    ``category`` is the host's when the host answered with an error
    (``unknown_command``, ``invalid_arguments``, ``request_timeout``,
    ``cancelled``, ``internal``, or the host tool's own), else the
    worker's: ``unsupported`` (no native connection to the host),
    ``message_too_large`` (the call would not fit in a message),
    ``connection_closed`` or ``shutting_down`` (the call was waiting when
    the connection went). ``str()`` shows both, ``"category: message"``.
    """

    def __init__(self, category: str, message: str) -> None:
        super().__init__(category, message)
        #: The error category, e.g. ``"unknown_command"``.
        self.category = category
        #: Why the call failed, in the host's (or the worker's) words.
        self.message = message

    def __str__(self) -> str:
        return f"{self.category}: {self.message}"
