import { Option, type Command } from 'commander';
import { RULES } from '../../../rules/index.js';
import type { RuleMeta } from '../../lint/rule.js';
import { docsUrl } from '../../model/finding.js';
import type { CliIO } from '../io.js';

export function registerRules(program: Command, io: CliIO): void {
  program
    .command('rules')
    .summary('list the lint rules')
    .description(
      'List every rule egress-lint checks: its id (as used in .github/egress-lint.yml and in ' +
        'the egress-lint.io/ignore annotation), default severity, the kinds it reads, what it ' +
        'finds and its docs page.',
    )
    .addOption(
      new Option('-f, --format <format>', 'output format')
        .choices(['text', 'json'])
        .default('text'),
    )
    .action((opts: { format: 'text' | 'json' }) => {
      const metas = RULES.map((r) => r.meta);
      io.stdout(opts.format === 'json' ? formatRulesJson(metas) : formatRulesText(metas));
    });
}

export function formatRulesJson(metas: readonly RuleMeta[]): string {
  const rules = metas.map((m) => ({
    id: m.id,
    severity: m.severity,
    kinds: [...m.kinds],
    stage: m.stage ?? 'rules',
    description: m.description,
    docs: docsUrl(m.id),
  }));
  return `${JSON.stringify({ rules }, null, 2)}\n`;
}

export function formatRulesText(metas: readonly RuleMeta[]): string {
  const width = Math.max(...metas.map((m) => m.id.length));
  const blocks = metas.map((m) => {
    const reads = m.kinds.includes('*') ? 'every YAML file' : m.kinds.join(', ');
    const stage = m.stage && m.stage !== 'rules' ? ` (findings of the ${m.stage} stage)` : '';
    return [
      `${m.id.padEnd(width)}  ${m.severity}`,
      `  ${m.description}`,
      `  reads: ${reads}${stage}`,
      `  docs:  ${docsUrl(m.id)}`,
    ].join('\n');
  });
  return `${blocks.join('\n\n')}\n\n${metas.length} rules\n`;
}
