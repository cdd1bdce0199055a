"""Keep patient data out of logs.

Views never log names; the risk left is Django's own request logging, which writes the path and
query string of failing requests. Search terms travel in POST bodies or paths we control, but a
query string may still hold one, so it is cut from every log record.
"""

import logging
import re

_QUERY_STRING = re.compile(r"\?[^\s\"']*")


class ScrubQueryStringFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.msg, str):
            record.msg = _QUERY_STRING.sub("?[redacted]", record.msg)
        if isinstance(record.args, tuple):
            record.args = tuple(_QUERY_STRING.sub("?[redacted]", a) if isinstance(a, str) else a for a in record.args)
        return True
