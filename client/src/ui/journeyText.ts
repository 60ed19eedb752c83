// The short word for each kind of journey, from the catalogue (`journeys.kind_*`).
import { t } from '../i18n/i18n.svelte';
import type { Relation } from '../state/journeys';

const KIND_KEYS = {
  root: 'journeys.kind_root',
  persona: 'journeys.kind_persona',
  detail: 'journeys.kind_detail',
  to_be: 'journeys.kind_to_be',
} as const;

export function kindWord(relation: Relation): string {
  return t(KIND_KEYS[relation]);
}
