"""Numbers of the command envelope shared by validation, the duplicate memory and the docs."""

DEFAULT_LEASE_S = 3600.0  #: lease of a remote setpoint when the command names none [s]
MAX_LEASE_S = 86400.0  #: longest lease a command may ask for [s]
MAX_PAYLOAD_BYTES = 4096  #: larger payloads are refused unread
DEFAULT_MAX_AGE_S = 30.0  #: a command older than this (by its issued_at) is refused [s]
DEFAULT_MAX_FUTURE_S = 5.0  #: a command this far ahead of the controller's clock is refused [s]
MAX_REASON_CHARS = 300  #: refusal reasons are cut to this length
ACK_MARGIN_S = 5.0  #: scan, ack publish and network time added to the ack deadline [s]
#: no ack this long after ``issued_at`` (operator clock): the command was not applied and never will be [s]
ACK_DEADLINE_S = DEFAULT_MAX_AGE_S + DEFAULT_MAX_FUTURE_S + ACK_MARGIN_S
