// Generated from shared_schema/http.json by client/tools/gen-types.mjs (json-schema-to-typescript).
// Do not edit: change the schema file and run `npm run gen:types`.

export type HttpBody =
  | CreateBoard
  | LanguageChoice
  | Language
  | BoardInfo
  | Join
  | LinksAnswer
  | MetricsAnswer
  | MetricSeries
  | MetricsImportAnswer
  | SessionsAnswer
  | SessionRecord
  | Persona
  | AddJourney
  | JourneyAdded
  | JourneysAnswer
  | PictureAnswer;
export type LanguageChoice = 'sv' | 'nb' | 'da' | 'en' | 'no' | 'nn';
export type Language = 'sv' | 'nb' | 'da' | 'en';
export type Link = string;

export interface CreateBoard {
  title: string;
  template?: string;
  persona?: string;
  scope?: string;
  language?: LanguageChoice;
  import?: {
    [k: string]: unknown;
  };
}
export interface BoardInfo {
  id: string;
  language: Language;
  [k: string]: unknown;
}
export interface Join {
  name: string;
  department?: string;
  device?: string;
}
export interface LinksAnswer {
  links: {
    facilitator: Link;
    participant: Link;
    viewer: Link;
    reviewer: Link;
  };
  server_now_ms: number;
}
export interface MetricsAnswer {
  touchpoints: {
    [k: string]: {
      [k: string]: MetricSeries;
    };
  };
  last_import: string | null;
  server_now_ms?: number;
}
export interface MetricSeries {
  unit: string;
  points: {
    date: string;
    value: number;
  }[];
}
export interface MetricsImportAnswer {
  import: string | null;
  accepted: number;
  refused: {
    row: number;
    reason: string;
  }[];
  server_now_ms?: number;
}
export interface SessionsAnswer {
  current: number;
  sessions: SessionRecord[];
  server_now_ms?: number;
}
export interface SessionRecord {
  number: number;
  started_at_ms?: number | null;
  ended_at_ms?: number | null;
  phase: string;
  phase_history: {
    [k: string]: unknown;
  }[];
  revealed?: {
    [k: string]: unknown;
  };
  votes: {
    [k: string]: unknown;
  };
  ratings: {
    [k: string]: unknown;
  };
  progress?: {
    [k: string]: unknown;
  };
  decisions: {
    [k: string]: unknown;
  };
  plan?: {
    [k: string]: unknown;
  }[];
  [k: string]: unknown;
}
/**
 * A journey's structured persona (PUT /api/boards/{id}/persona; in GET /journeys). `picture` is set by the server when a picture was uploaded (fetch it from GET /api/boards/{id}/persona/picture with the bearer token).
 */
export interface Persona {
  name?: string;
  quote?: string;
  description?: string;
  goals?: string[];
  frustrations?: string[];
  attributes?: {
    age_band?: string;
    segment?: string;
    frequency?: string;
  };
  picture?: boolean;
}
/**
 * POST /api/boards/{id}/journeys (facilitator): a persona variant (of the workshop's root journey), a detailed journey of a stage of {id}, or a to-be journey of {id}.
 */
export interface AddJourney {
  relation: 'persona' | 'detail' | 'to_be';
  title?: string;
  persona?: string | Persona;
  stage?: string;
}
export interface JourneyAdded {
  id: string;
  workshop: string;
  relation: 'persona' | 'detail' | 'to_be';
  parent: string;
  stage: string | null;
}
/**
 * GET /api/boards/{id}/journeys (any valid token of the workshop): the workshop's journeys, the root first.
 */
export interface JourneysAnswer {
  workshop: string;
  journeys: {
    id: string;
    title: string;
    relation: 'root' | 'persona' | 'detail' | 'to_be';
    parent: string | null;
    stage: string | null;
    persona: Persona;
    phase: string;
    counts: {
      cards: number;
      pains: number;
      solutions: number;
    };
    emotion: {
      [k: string]: number;
    };
    /**
     * The journey's stages in map order (the emotion's keys are their ids).
     */
    stages: {
      id: string;
      name: string;
    }[];
    /**
     * At most three pain points: by votes once the journey's votes are revealed (votes null before), else in map order.
     */
    top_pains: {
      text: string;
      votes: number | null;
    }[];
  }[];
}
/**
 * POST /api/boards/{id}/persona/picture (facilitator; the body is the image's bytes, PNG, JPEG, WebP or GIF): what the server stored.
 */
export interface PictureAnswer {
  media_type: 'image/webp' | 'image/png';
  width: number;
  height: number;
  bytes: number;
}
