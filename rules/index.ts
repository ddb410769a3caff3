/**
 * The rule catalog. Adding a rule: write rules/<id>.ts (metadata + check), rules/<id>.md (docs) and
 * rules/<id>.test.ts (valid and invalid cases), then list it here.
 */
import type { Rule } from '../src/lint/rule.js';
import policyName from './policy-name.js';
import render from './render.js';
import schema from './schema.js';
import yamlSyntax from './yaml-syntax.js';

export const RULES: readonly Rule[] = [yamlSyntax, schema, render, policyName].sort((a, b) =>
  a.meta.id < b.meta.id ? -1 : a.meta.id > b.meta.id ? 1 : 0,
);

export function findRule(id: string): Rule | undefined {
  return RULES.find((r) => r.meta.id === id);
}
