import { Option, type Command } from 'commander';
import { resourcesToJson, writeResourcesYaml } from '../../render/emit.js';
import { formatFindingLine } from '../../report/text.js';
import type { CliIO } from '../io.js';
import {
  addCheckOptions,
  analyzeWorkspace,
  exitCodeFor,
  openWorkspace,
  type FailOn,
} from '../workspace.js';

interface RenderOptions {
  format: 'yaml' | 'json';
  config?: string;
  failOn?: FailOn;
  allowEmpty?: boolean;
}

export function registerRender(program: Command, io: CliIO, setExit: (code: number) => void): void {
  const cmd = program
    .command('render')
    .summary('print the Istio resources your ASMEgressTrafficPolicy objects stand for')
    .description(
      'Render every ASMEgressTrafficPolicy under the given paths into the Istio resources ' +
        'that implement it (ServiceEntry, Gateway, DestinationRule, VirtualService), as YAML ' +
        'that `kubectl apply -f -` accepts. Problems that stop a policy from rendering are ' +
        'printed on stderr; the others still render.',
    )
    .argument(
      '[paths...]',
      'files or folders to read (recursively), - for standard input; default: the config paths, else .',
    )
    .addOption(
      new Option('-f, --format <format>', 'output format')
        .choices(['yaml', 'json'])
        .default('yaml'),
    )
    .option(
      '-c, --config <file>',
      'project config (default: .github/egress-lint.yml under the scanned root)',
    );
  addCheckOptions(cmd).action(async (paths: string[], opts: RenderOptions) => {
    const ws = await openWorkspace(paths, opts.config, io, {
      allowEmpty: opts.allowEmpty,
      failOn: opts.failOn,
    });
    const analysis = analyzeWorkspace(ws);
    const resources = analysis.render.resources;
    if (opts.format === 'json') io.stdout(resourcesToJson(resources));
    else writeResourcesYaml(resources, io.stdout);
    for (const f of analysis.findings)
      if (!f.suppressed && f.severity !== 'info') io.stderr(`${formatFindingLine(f)}\n`);
    setExit(exitCodeFor(analysis.findings, ws.config));
  });
}
