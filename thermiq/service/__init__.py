"""The daemon around the scan: site-file start-up, journal logs, audit log, metrics, status file,
command spool and the operator's shell commands (``thermiq run | io | trips | ack | reset | safe-outputs``)."""
