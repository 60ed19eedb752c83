// Generated from shared_schema/http.json by client/tools/gen-types.mjs (json-schema-to-typescript).
// Do not edit: change the schema file and run `npm run gen:types`.

export type HttpBody = CreateBoard | LanguageChoice | Language | BoardInfo | Join | LinksAnswer;
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
  };
  server_now_ms: number;
}
