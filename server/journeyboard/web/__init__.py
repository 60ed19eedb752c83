"""The web face: Starlette routes, socket admission shared by both socket paths, the lean
websocket protocol, the guarded HTTP protocol and the metrics endpoint."""
