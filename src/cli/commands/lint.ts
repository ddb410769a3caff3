import { writeFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { Option, type Command } from 'commander';
import { RULES } from '../../../rules/index.js';
import { UsageError } from '../../io/files.js';
import { lint } from '../../lint/engine.js';
import { formatLintReport, LINT_FORMATS, type LintFormat } from '../../report/lint-report.js';
import { VERSION } from '../../version.js';
import { useColor, type CliIO } from '../io.js';
import {
  addCheckOptions,
  analyzeWorkspace,
  exitCodeFor,
  focusResult,
  openWorkspace,
  type FailOn,
} from '../workspace.js';

interface LintOptions {
  format: LintFormat;
  failOn?: FailOn;
  allowEmpty?: boolean;
  isolated?: boolean;
  config?: string;
  output?: string;
  showSuppressed?: boolean;
}

export function registerLint(program: Command, io: CliIO, setExit: (code: number) => void): void {
  const cmd = program
    .command('lint')
    .summary('check egress policies, gateways, mesh settings and Istio resources')
    .description(
      'Check the ASMEgressTrafficPolicy objects, egress gateways, mesh settings and ' +
        'hand-written Istio resources under the given paths as one config set; report each ' +
        'finding with file, line, column, rule id and docs link (`egress-lint rules` lists the ' +
        'rules). Exit code: 0 clean, 1 findings at or above failOn (default: error), 2 usage, ' +
        'I/O or config error.',
    )
    .argument(
      '[paths...]',
      'files or folders to read (recursively), - for standard input; default: the config paths, else .',
    )
    .addOption(
      new Option('-f, --format <format>', 'output format').choices(LINT_FORMATS).default('text'),
    )
    .option(
      '--isolated',
      'check named files alone; by default the rest of the project is read as context, so cross-file errors are found',
    )
    .option(
      '-c, --config <file>',
      'project config (default: .github/egress-lint.yml under the scanned root)',
    )
    .option('-o, --output <file>', 'write the report to this file instead of stdout')
    .option(
      '--show-suppressed',
      'text format: list suppressed findings too (they are always counted)',
    );
  addCheckOptions(cmd).action(async (paths: string[], opts: LintOptions) => {
    const ws = await openWorkspace(paths, opts.config, io, {
      allowEmpty: opts.allowEmpty,
      context: !opts.isolated,
      failOn: opts.failOn,
    });
    const result = focusResult(lint(analyzeWorkspace(ws), ws.config, RULES), ws);
    const report = formatLintReport(opts.format, result, {
      rules: RULES.map((r) => r.meta),
      config: ws.config,
      version: VERSION,
      color: !opts.output && useColor(io),
      showSuppressed: opts.showSuppressed === true,
    });
    if (opts.output) {
      const file = resolve(io.cwd, opts.output);
      try {
        await writeFile(file, report);
      } catch (e) {
        throw new UsageError(
          `cannot write ${opts.output}: ${(e as NodeJS.ErrnoException).code ?? String(e)}`,
        );
      }
    } else io.stdout(report);
    setExit(exitCodeFor(result.findings, ws.config));
  });
}
