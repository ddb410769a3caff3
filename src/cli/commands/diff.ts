import { Option, type Command } from 'commander';
import { RULES } from '../../../rules/index.js';
import { compareRevisions } from '../../diff/compare.js';
import { accessChangesReport } from '../../simulate/access.js';
import { UsageError } from '../../io/files.js';
import { lint } from '../../lint/engine.js';
import type { DiffReport } from '../../report/diff-report.js';
import { formatDiffJson } from '../../report/diff-json.js';
import { formatDiffText } from '../../report/diff-text.js';
import { renderMarkdown } from '../../report/markdown.js';
import { useColor, type CliIO } from '../io.js';
import { openFolderRevisions, openGitRevisions } from '../revisions.js';
import {
  addCheckOptions,
  analyzeWorkspace,
  exitCodeFor,
  withFailOn,
  type FailOn,
} from '../workspace.js';

type Format = 'text' | 'markdown' | 'json';

interface DiffOptions {
  base?: string;
  format: Format;
  config?: string;
  failOn?: FailOn;
  allowEmpty?: boolean;
}

/** The command line that reproduces this run, for the comment's notes on anything it had to cut. */
function reproduce(paths: readonly string[], base: string | undefined): string {
  const quote = (arg: string): string =>
    /^[\w@%+=:,./-]+$/.test(arg) ? arg : `'${arg.replace(/'/g, `'\\''`)}'`;
  return ['egress-lint', 'diff', ...(base !== undefined ? ['--base', base] : []), ...paths]
    .map(quote)
    .join(' ');
}

export function registerDiff(program: Command, io: CliIO, setExit: (code: number) => void): void {
  const cmd = program
    .command('diff')
    .summary('show what a change does to the rendered and hand-written Istio resources')
    .description(
      [
        'Render both revisions and show which Istio resources (rendered or hand-written),',
        'egress policies and gateways are added, removed or changed, each with a diff of',
        'its YAML. Formatting and ordering that mean nothing to Istio do not show.',
        '',
        '  egress-lint diff <old> <new>               two folders (or files); - for standard input',
        '  egress-lint diff --base <git-ref> [paths]  that commit vs the working tree',
        '',
        "The base's .github/egress-lint.yml applies to both sides, as in the GitHub App.",
        'Exit codes: 0 clean, 1 the new side has findings at or above failOn,',
        '2 usage or I/O error.',
      ].join('\n'),
    )
    .argument(
      '[paths...]',
      '<old> <new>; with --base, the paths to compare (default: the config paths, else .)',
    )
    .option('--base <git-ref>', 'compare the working tree with this commit, branch or tag')
    .addOption(
      new Option('-f, --format <format>', 'output format')
        .choices(['text', 'markdown', 'json'])
        .default('text'),
    )
    .option(
      '-c, --config <file>',
      "project config for both sides (default: the base's .github/egress-lint.yml)",
    );
  addCheckOptions(cmd).action(async (paths: string[], opts: DiffOptions) => {
    if (opts.base === undefined && paths.length !== 2) {
      throw new UsageError(
        'diff needs two paths (<old> <new>), or --base <git-ref> (run with --help for usage)',
      );
    }
    const revisions =
      opts.base !== undefined
        ? await openGitRevisions(opts.base, paths, opts.config, io)
        : await openFolderRevisions(paths[0]!, paths[1]!, opts.config, io);
    const config = withFailOn(revisions.config, opts.failOn);
    const sides = [revisions.base, revisions.head];
    if (!opts.allowEmpty && sides.every((s) => !s.files.length && !s.readFindings.length))
      throw new UsageError(
        'no YAML files to compare on either side; check the paths (or pass --allow-empty if nothing to compare is fine)',
      );
    const head = analyzeWorkspace(revisions.head);
    const { findings } = lint(head, config, RULES);
    // The base is analysed inside and dropped before the head's access matrix (see compare.ts).
    const compared = compareRevisions(head, () => analyzeWorkspace(revisions.base));
    const access = accessChangesReport(compared.access);
    const report: DiffReport = {
      diff: compared.resources,
      findings,
      failOn: config.failOn,
      notes: revisions.notes,
      ...(access ? { access } : {}),
    };
    if (opts.format === 'json') io.stdout(formatDiffJson(report));
    else if (opts.format === 'markdown') {
      io.stdout(
        renderMarkdown(report, {
          fullOutput: { command: reproduce(paths, opts.base) },
          ...(config.docsBaseUrl ? { docsUrl: config.docsBaseUrl } : {}),
        }),
      );
    } else io.stdout(formatDiffText(report, { color: useColor(io) }));
    setExit(exitCodeFor(findings, config));
  });
}
