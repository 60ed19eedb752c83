// The journeys' words, keyed as they go into the i18next catalogue (`journeys.*` of en.json) once
// client/src/i18n lands on main: `say(key, values)` then becomes `t('journeys.' + key, values)`.
// `{{name}}` placeholders as i18next writes them.
const EN = {
  workshop: 'Workshop',
  breadcrumb: 'Journeys of the workshop',
  switcher: 'Journey: {{title}}',
  switcher_menu: 'Journeys',
  portfolio: 'Portfolio',
  kind_root: 'Overview',
  kind_persona: 'Persona',
  kind_detail: 'Detailed',
  kind_to_be: 'To-be',
  crumb: '{{kind}}: {{title}}',
  add: 'Add a journey…',
  edit_persona: 'Edit the persona…',
  add_title: 'Add a journey',
  add_persona: 'Persona variant',
  add_persona_hint: 'The same stages, for another customer type.',
  add_detail: 'Detailed journey for a stage',
  add_detail_hint: 'A journey of its own for one critical stage.',
  add_to_be: 'To-be journey',
  add_to_be_hint: 'A copy of this journey as it should be (stages and cards, no votes).',
  field_title: 'Title (optional)',
  field_persona: 'Persona name',
  field_stage: 'Stage',
  create: 'Add and open',
  cancel: 'Cancel',
  close: 'Close',
  save: 'Save',
  saving: 'Saving…',
  failed: 'That did not work: {{message}}',
  persona_title: 'Persona',
  persona_name: 'Name',
  persona_quote: 'Quote',
  persona_description: 'Description',
  persona_goals: 'Goals and needs (one a line)',
  persona_frustrations: 'Frustrations (one a line)',
  persona_age: 'Age band',
  persona_segment: 'Segment',
  persona_frequency: 'Frequency of use',
  picture: 'Picture',
  picture_alt: 'Picture of the persona {{name}}',
  picture_upload: 'Upload a picture (PNG, JPEG, WebP or GIF)',
  picture_uploading: 'Uploading…',
  detail_badge: 'Detailed journey “{{title}}”: feelings {{mean}} on average. Open it',
  detail_badge_none: 'Detailed journey “{{title}}”: no feelings yet. Open it',
  portfolio_title: 'Portfolio: {{title}}',
  portfolio_intro: 'Every journey of the workshop. Updated every few seconds.',
  portfolio_personas: 'Personas compared',
  portfolio_as_is: 'As-is and to-be',
  portfolio_journeys: 'Each journey',
  portfolio_open: 'Open',
  portfolio_back: 'Back to the journey',
  portfolio_loading: 'Reading the journeys…',
  portfolio_failed: 'The journeys could not be read.',
  chart_label: 'Emotion curve of {{names}}',
  chart_none: 'No feelings yet.',
  legend: 'Legend',
  phase: 'Phase: {{phase}}',
  counts: '{{cards}} cards · {{pains}} pain points · {{solutions}} solutions',
  top_pains: 'Top pain points',
  top_pains_none: 'No pain points yet.',
  votes: '{{count}} votes',
  of_stage: 'of the stage “{{stage}}”',
  of_journey: 'of “{{title}}”',
} as const;

export type JourneyKey = keyof typeof EN;

/** The message `key` with its `{{name}}` placeholders filled in (Svelte escapes the result). */
export function say(key: JourneyKey, values: Readonly<Record<string, string | number>> = {}): string {
  return EN[key].replace(/\{\{(\w+)\}\}/g, (whole, name: string) => {
    const value = values[name];
    return value === undefined ? whole : String(value);
  });
}

/** The short word for a kind of journey. */
export function kindWord(relation: 'root' | 'persona' | 'detail' | 'to_be'): string {
  return say(`kind_${relation}`);
}
