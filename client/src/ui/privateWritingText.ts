// Every user-facing string of private writing (issue #29), in one place, so that the move to
// the i18next catalogue (client/src/i18n) touches only this file.

export const PRIVATE_TEXT = {
  draftTag: 'Only you can see this',
  draftLabel: (lane: string, text: string): string => `${lane} (private draft): ${text || 'empty card'}`,
  dockTitle: 'Private writing',
  turnOn: 'Write privately',
  turnOnHint: 'New cards stay with their writer until you reveal them',
  turnOff: 'Stop private writing',
  reveal: 'Reveal drafts',
  revealHint: 'Move everyone’s drafts onto the board now',
  lanesAll: 'All lanes',
  lanesLabel: 'Lanes',
  publish: 'Publish my drafts',
  publishHint: 'Put your own drafts on the board now',
  onBadge: 'Writing privately',
  banner: 'Writing privately: your new cards are drafts only you can see',
  bannerLanes: (lanes: string): string => `Writing privately: your new cards in ${lanes} are drafts only you can see`,
  draftsOf: (n: number): string => (n === 1 ? '1 draft' : `${n} drafts`),
  total: (n: number): string => (n === 1 ? '1 private draft' : `${n} private drafts`),
  anonymous: 'Anonymous cards',
  anonymousHint: 'Revealed drafts carry no author',
  nameFirst: 'Add your name to write privately: new cards are private drafts now',
} as const;
