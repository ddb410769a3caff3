import { Option, type Command } from 'commander';
import { UsageError } from '../../io/files.js';
import { formatExplanationText } from '../../report/explain.js';
import { formatFindingLine } from '../../report/text.js';
import { createSimulator } from '../../simulate/explain.js';
import { parseRequestUrl, parseSource, RequestError } from '../../simulate/request.js';
import { VERDICTS, type Verdict } from '../../simulate/types.js';
import { EXIT, useColor, type CliIO } from '../io.js';
import { analyzeWorkspace, openWorkspace } from '../workspace.js';

interface ExplainOptions {
  from: string;
  serviceAccount?: string;
  url: string;
  method: string;
  format: 'text' | 'json';
  expect?: Verdict;
  config?: string;
  allowEmpty?: boolean;
}

export function registerExplain(
  program: Command,
  io: CliIO,
  setExit: (code: number) => void,
): void {
  program
    .command('explain')
    .summary(
      'predict what the mesh does with one request: via the egress gateway, direct, blocked, denied or broken',
    )
    .description(
      'Simulate one request from a workload the way its sidecar and the egress gateway would ' +
        'handle it, over the rendered policies and the hand-written Istio resources together. ' +
        'Prints the verdict, what the client sees, the hops, and the resources (file:line) ' +
        'that decided it.\n\nhttp:// means the application sends plaintext HTTP (the sidecar ' +
        'sees requests); https:// means it originates TLS itself (only the SNI is visible); ' +
        'tcp://host:port is an opaque TCP stream. Exit code 0 when the explanation ran, ' +
        'whatever the verdict; with --expect, 1 when the verdict differs.',
    )
    .argument(
      '[paths...]',
      'files or folders to read (recursively), - for standard input; default: the config paths, else .',
    )
    .requiredOption(
      '--from <source>',
      'the client workload: NAMESPACE[/key=value,...] (pod labels)',
    )
    .option(
      '--service-account <name>',
      "the client's service account (decides AuthorizationPolicy principals)",
    )
    .requiredOption(
      '--url <url>',
      'what the application requests, e.g. http://httpbin.org/get or https://httpbin.org',
    )
    .option('-X, --method <method>', 'HTTP method (http:// only)', 'GET')
    .addOption(
      new Option('-f, --format <format>', 'output format')
        .choices(['text', 'json'])
        .default('text'),
    )
    .addOption(
      new Option('--expect <verdict>', 'exit 1 unless the verdict is this one').choices([
        ...VERDICTS,
      ]),
    )
    .option(
      '-c, --config <file>',
      'project config (default: .github/egress-lint.yml under the scanned root)',
    )
    .option('--allow-empty', 'run when no YAML file is selected (default: a usage error, exit 2)')
    .action(async (paths: string[], opts: ExplainOptions) => {
      let source;
      let request;
      try {
        source = parseSource(opts.from, opts.serviceAccount);
        request = parseRequestUrl(opts.url, opts.method);
      } catch (e) {
        if (e instanceof RequestError) throw new UsageError(e.message);
        throw e;
      }
      const ws = await openWorkspace(paths, opts.config, io, { allowEmpty: opts.allowEmpty });
      const analysis = analyzeWorkspace(ws);
      const explanation = createSimulator(analysis)(source, request);
      io.stdout(
        opts.format === 'json'
          ? `${JSON.stringify(explanation, null, 2)}\n`
          : formatExplanationText(explanation, { color: useColor(io) }),
      );
      // Resources that fail validation take no part in the simulation; say which, as `render` does.
      for (const f of analysis.findings)
        if (!f.suppressed && f.severity === 'error') io.stderr(`${formatFindingLine(f)}\n`);
      setExit(
        opts.expect !== undefined && explanation.verdict !== opts.expect ? EXIT.findings : EXIT.ok,
      );
    });
}
