/** The `egress-lint` command line: one commander program, each command in its own module. */
import { Command, CommanderError } from 'commander';
import { ConfigError } from '../config/project-config.js';
import { UsageError } from '../io/files.js';
import { registerDiff } from './commands/diff.js';
import { registerExplain } from './commands/explain.js';
import { registerLint } from './commands/lint.js';
import { registerRender } from './commands/render.js';
import { registerRules } from './commands/rules.js';
import { EXIT, processIO, type CliIO } from './io.js';
import { VERSION } from '../version.js';

export function buildProgram(io: CliIO, setExit: (code: number) => void): Command {
  const program = new Command('egress-lint')
    .description(
      'Lint, render, diff and explain service-mesh egress policy (ASMEgressTrafficPolicy and Istio).',
    )
    .version(VERSION, '-V, --version')
    .showHelpAfterError('(run with --help for usage)')
    .configureOutput({ writeOut: io.stdout, writeErr: io.stderr })
    .exitOverride();
  registerLint(program, io, setExit);
  registerRender(program, io, setExit);
  registerDiff(program, io, setExit);
  registerExplain(program, io, setExit);
  registerRules(program, io);
  for (const cmd of program.commands)
    cmd
      .exitOverride()
      .configureOutput({ writeOut: io.stdout, writeErr: io.stderr })
      .showHelpAfterError('(run with --help for usage)');
  return program;
}

/**
 * Runs one command line and returns the exit code: 0 clean, 1 findings, 2 usage, config or I/O error,
 * 3 internal error (a bug in egress-lint).
 */
export async function run(argv: readonly string[], io: CliIO = processIO()): Promise<number> {
  let code: number = EXIT.ok;
  const program = buildProgram(io, (c) => (code = c));
  try {
    await program.parseAsync([...argv], { from: 'user' });
    return code;
  } catch (e) {
    if (e instanceof CommanderError) {
      // Help and version exit 0; every other commander error is a usage error, already printed.
      return e.exitCode === 0 ? EXIT.ok : EXIT.usage;
    }
    if (e instanceof UsageError || e instanceof ConfigError) {
      io.stderr(`egress-lint: ${e.message}\n`);
      return EXIT.usage;
    }
    reportInternalError(e, argv, io);
    return EXIT.internal;
  }
}

export const ISSUES_URL = 'https://github.com/egress-lint/egress-lint/issues';

/** A bug of ours, not a problem with the input: say so, and how to report it. */
function reportInternalError(e: unknown, argv: readonly string[], io: CliIO): void {
  const err = e instanceof Error ? e : new Error(String(e));
  io.stderr(
    [
      `egress-lint: internal error: ${err.message}`,
      `This is a bug in egress-lint ${VERSION}, not a problem found in your files (exit code ${EXIT.internal}).`,
      `Please report it at ${ISSUES_URL} with the command line (egress-lint ${argv.join(' ')})`,
      io.env.EGRESS_LINT_DEBUG
        ? `and this stack trace:\n${err.stack ?? ''}`
        : 'and, if you can, the smallest input that shows it; EGRESS_LINT_DEBUG=1 prints the stack trace.',
      '',
    ].join('\n'),
  );
}
