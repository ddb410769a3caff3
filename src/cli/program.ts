/** The `egress-lint` command line: one commander program, each command in its own module. */
import { Command, CommanderError } from 'commander';
import { EXIT, processIO, type CliIO } from './io.js';
import { VERSION } from '../version.js';

type Register = (program: Command, io: CliIO, setExit: (code: number) => void) => void;

/**
 * Each command's module, imported only when the command line needs it: loading every command's
 * dependencies (rules, schemas, simulator, git) is most of the start-up cost.
 */
const COMMANDS = new Map<string, () => Promise<Register>>([
  ['lint', async () => (await import('./commands/lint.js')).registerLint],
  ['render', async () => (await import('./commands/render.js')).registerRender],
  ['diff', async () => (await import('./commands/diff.js')).registerDiff],
  ['explain', async () => (await import('./commands/explain.js')).registerExplain],
  ['rules', async () => (await import('./commands/rules.js')).registerRules],
]);

/**
 * The commands `argv` needs: the one it names; none for a bare --version; every one otherwise (the
 * top-level help lists them all, and a mistyped name gets its suggestion).
 */
function commandsFor(argv: readonly string[]): string[] {
  const first = argv.find((a) => !a.startsWith('-'));
  if (first !== undefined && COMMANDS.has(first)) return [first];
  if (first === undefined && argv.some((a) => a === '-V' || a === '--version')) return [];
  return [...COMMANDS.keys()];
}

export async function buildProgram(
  io: CliIO,
  setExit: (code: number) => void,
  argv: readonly string[] = [],
): Promise<Command> {
  const program = new Command('egress-lint')
    .description(
      'Lint, render, diff and explain service-mesh egress policy (ASMEgressTrafficPolicy and Istio).',
    )
    .version(VERSION, '-V, --version')
    .showHelpAfterError('(run with --help for usage)')
    .configureOutput({ writeOut: io.stdout, writeErr: io.stderr })
    .exitOverride();
  for (const name of commandsFor(argv)) (await COMMANDS.get(name)!())(program, io, setExit);
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
  try {
    const program = await buildProgram(io, (c) => (code = c), argv);
    await program.parseAsync([...argv], { from: 'user' });
    return code;
  } catch (e) {
    if (e instanceof CommanderError) {
      // Help and version exit 0; every other commander error is a usage error, already printed.
      return e.exitCode === 0 ? EXIT.ok : EXIT.usage;
    }
    if (await isUsageOrConfigError(e)) {
      io.stderr(`egress-lint: ${(e as Error).message}\n`);
      return EXIT.usage;
    }
    reportInternalError(e, argv, io);
    return EXIT.internal;
  }
}

/** Loaded here, when a command failed, so that the start-up does not pay for them. */
async function isUsageOrConfigError(e: unknown): Promise<boolean> {
  if (!(e instanceof Error)) return false;
  const [{ UsageError }, { ConfigError }] = await Promise.all([
    import('../io/files.js'),
    import('../config/project-config.js'),
  ]);
  return e instanceof UsageError || e instanceof ConfigError;
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
