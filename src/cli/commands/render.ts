import { Option, type Command } from 'commander';
import { resourcesToJson, resourcesToYaml } from '../../render/emit.js';
import { formatFindingLine } from '../../report/text.js';
import type { CliIO } from '../io.js';
import { analyzeWorkspace, exitCodeFor, openWorkspace } from '../workspace.js';

export function registerRender(program: Command, io: CliIO, setExit: (code: number) => void): void {
  program
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
      'files or folders to read (recursively); default: the config paths, else .',
    )
    .addOption(
      new Option('-f, --format <format>', 'output format')
        .choices(['yaml', 'json'])
        .default('yaml'),
    )
    .option(
      '-c, --config <file>',
      'project config (default: .github/egress-lint.yml under the scanned root)',
    )
    .action(async (paths: string[], opts: { format: 'yaml' | 'json'; config?: string }) => {
      const ws = await openWorkspace(paths, opts.config, io);
      const analysis = analyzeWorkspace(ws);
      const resources = analysis.render.resources;
      io.stdout(opts.format === 'json' ? resourcesToJson(resources) : resourcesToYaml(resources));
      for (const f of analysis.findings)
        if (!f.suppressed && f.severity !== 'info') io.stderr(`${formatFindingLine(f)}\n`);
      setExit(exitCodeFor(analysis.findings, ws.config));
    });
}
