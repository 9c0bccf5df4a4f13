"""Schemathesis hooks for scripts/schemathesis.sh: the spec's named format.

`format: service-datetime` (a real calendar time, the service's zone-less form) is a custom
format; without this, Schemathesis fills it from the pattern alone and sends impossible
times such as 0000-00-00T00:00:00 as valid data.
"""

from datetime import datetime

import schemathesis
from hypothesis import strategies as st

schemathesis.openapi.format(
    "service-datetime",
    st.datetimes(min_value=datetime(1970, 1, 1), max_value=datetime(2100, 1, 1)).map(
        lambda t: t.strftime("%Y-%m-%dT%H:%M:%S")
    ),
)
