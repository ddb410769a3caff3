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

/** Runs one command line and returns the exit code: 0 clean, 1 findings, 2 usage or I/O error. */
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
    const err = e as Error;
    io.stderr(`egress-lint: internal error: ${err.message}\n`);
    if (io.env.EGRESS_LINT_DEBUG) io.stderr(`${err.stack ?? ''}\n`);
    else io.stderr('(set EGRESS_LINT_DEBUG=1 for details, and please report it)\n');
    return EXIT.usage;
  }
}
