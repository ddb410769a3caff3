/**
 * Helm charts and other Go templates are not YAML until rendered: parsed raw they give dozens of
 * syntax errors, or worse, parse and check literal `{{ .Values.x }}` strings. We recognise a template
 * by its first action and say once per file what to do instead.
 */

// `{{` (or `{{-`) then what Go template actions start with: a field, a variable, a keyword or a
// function Helm charts use. Argo's `{{workflow.name}}` placeholders do not match.
const ACTION =
  /\{\{-?\s*(?:[.$]|(?:if|else|end|range|with|include|template|define|block|toYaml|tpl|printf|default|required|quote|lookup)\b)/;

/** 1-based line and column of the first template action outside comment lines, if any. */
export function findGoTemplateAction(text: string): { line: number; column: number } | undefined {
  if (!text.includes('{{')) return undefined;
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    if (/^\s*#/.test(line)) continue;
    const m = ACTION.exec(line);
    if (m) return { line: i + 1, column: m.index + 1 };
  }
  return undefined;
}

export function goTemplateMessage(line: number): string {
  return `this file is a Go template (a Helm chart?): the action at line ${line} is not YAML; render it first (helm template <release> <chart> | egress-lint lint -); the file was not checked`;
}
