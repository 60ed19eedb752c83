"""Between nodes: the bus that carries committed updates, presence and control messages from
one node to the others, the heartbeat that notices a dead node, and the per-board command lock."""
