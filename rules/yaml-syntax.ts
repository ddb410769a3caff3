import { defineRule } from '../src/lint/rule.js';

/** Findings made by the loader: files and documents that are not readable YAML. */
export default defineRule({
  meta: {
    id: 'yaml-syntax',
    severity: 'error',
    description:
      'File or document that is not readable YAML (syntax, duplicate keys, aliases, encoding, size, nesting)',
    kinds: ['*'],
    stage: 'load',
  },
});
