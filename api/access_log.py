"""Keep query strings out of uvicorn's access log: an applicant's status link carries its token
there, and other parameters can carry what people typed. The path and status stay."""

from __future__ import annotations

import logging


class _NoQueryStrings(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        args = record.args
        if isinstance(args, tuple) and len(args) >= 3 and isinstance(args[2], str) and "?" in args[2]:
            record.args = (*args[:2], args[2].split("?", 1)[0] + "?…", *args[3:])
        return True


def hide_query_strings() -> None:
    """Install the filter once, whichever server runs the app."""
    access = logging.getLogger("uvicorn.access")
    if not any(isinstance(f, _NoQueryStrings) for f in access.filters):
        access.addFilter(_NoQueryStrings())
