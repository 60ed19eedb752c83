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
  | SessionRecord;
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
