"""Braiins OS miners over the public gRPC API (own proto subset in ``_pb/``, stubs committed)."""
