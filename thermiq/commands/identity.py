"""Who sent a command: the operator identity the broker bound into the topic (pure).

Remote operators publish under ``op/<user>/`` (for example
``thermiq/asp1/op/alice/cmd/safety/ack``). The broker ACL grants every user write access only
under its *own* name (Mosquitto ``pattern write thermiq/+/op/%u/...``, where ``%u`` is the
login), so the ``<user>`` segment is the authenticated login, not a claim in the payload.
Commands on the bare command topics (``setpoints/<name>/set``, ``cmd/safety/<action>``) can only
come from the local clients the ACL lets write there (the cabinet's Node-RED dashboard, Home
Assistant if enabled); they carry the identity :data:`LOCAL`.
"""

from __future__ import annotations

import re

OPERATOR_PREFIX = "op/"
LOCAL = "local"
#: operator login names: lower-case letter first, then letters, digits, ``_`` or ``-`` (max 32).
#: No ``+``, ``#`` or ``/``, which would change the meaning of an ACL pattern.
OPERATOR_NAME = re.compile(r"^[a-z][a-z0-9_-]{0,31}$")
#: broker users of the system itself; never operator names (deploy/mosquitto/add-operator.sh)
RESERVED_NAMES = frozenset({"thermiq", "nodered", "homeassistant", "operator", LOCAL})


def split_identity(topic: str) -> tuple[str | None, str]:
    """Split a topic relative to ``thermiq/<site>/`` into (identity, command path).

    ``"op/alice/cmd/safety/ack"`` -> ``("alice", "cmd/safety/ack")``;
    ``"cmd/safety/ack"`` -> ``("local", "cmd/safety/ack")``;
    an ``op/`` topic whose user segment is not a valid operator name -> ``(None, rest)``.
    """
    if not topic.startswith(OPERATOR_PREFIX):
        return LOCAL, topic
    user, _, rest = topic[len(OPERATOR_PREFIX) :].partition("/")
    if not OPERATOR_NAME.match(user) or user in RESERVED_NAMES:
        return None, rest
    return user, rest


def check_operator_name(name: str) -> str | None:
    """Why ``name`` cannot be an operator login, or ``None`` if it can."""
    if name in RESERVED_NAMES:
        return f"{name!r} is reserved for a system user"
    if not OPERATOR_NAME.match(name):
        return f"{name!r} must match {OPERATOR_NAME.pattern}"
    return None
