// Monaco's Monarch grammars ship without declarations; each module exports its language configuration and tokenizer.
declare module 'monaco-editor/esm/vs/basic-languages/*.js' {
  import type { languages } from 'monaco-editor/esm/vs/editor/editor.api.js';
  export const conf: languages.LanguageConfiguration;
  export const language: languages.IMonarchLanguage;
}
