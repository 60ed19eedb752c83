"""The sync core: the y-websocket codec, rooms with their commit-ordered outbox, presence, the
room manager and the ports (`ports.py`) through which it reaches sockets, the log and the bus.
It knows no web framework, no store, no bus implementation and no workshop rule."""
