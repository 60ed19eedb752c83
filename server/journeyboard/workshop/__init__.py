"""The workshop: boards, links and tokens, people, phases, commands (facilitation, voting,
people) and the room policy each node derives from a board's session document."""
