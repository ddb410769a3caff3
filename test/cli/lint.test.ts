/** `lint` and `rules` in-process through run(), with a fake CliIO: the cheap way to cover flags. */
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { RULES } from '../../rules/index.js';
import { run } from '../../src/cli/program.js';
import type { JsonReport } from '../../src/report/json.js';
import { captureIO } from '../helpers/revisions.js';
import { policyTo } from '../rule-fixtures.js';
import { CLEAN_REPO, ERROR_REPO, HTTP_DESTINATION, makeRepo } from './repos.js';

describe('egress-lint lint (in process)', () => {
  let errors: string;
  beforeAll(() => {
    errors = makeRepo(ERROR_REPO);
  });

  it('colours on a terminal unless NO_COLOR is set', async () => {
    const tty = captureIO(errors, {}, true);
    expect(await run(['lint'], tty)).toBe(1);
    expect(tty.out).toContain('\u001b[31merror  \u001b[0m');
    const noColor = captureIO(errors, { NO_COLOR: '1' }, true);
    await run(['lint'], noColor);
    expect(noColor.out).not.toContain('\u001b[');
  });

  it('lists suppressed findings with --show-suppressed', async () => {
    const plain = captureIO(errors);
    await run(['lint'], plain);
    expect(plain.out).not.toContain('gateway-port-mismatch\n\nmesh/policy');
    expect(plain.out).not.toContain('ignored');
    const shown = captureIO(errors);
    expect(await run(['lint', '--show-suppressed'], shown)).toBe(1);
    expect(shown.out).toMatch(
      /mesh\/other.yaml\n.*\n {2}\d+:\d+ +ignored port name "https" says HTTPS .*\(suppressed warning\) {2}gateway-port-mismatch\n/,
    );
  });

  it('reads the paths given, relative to the working directory, and the config given', async () => {
    const io = captureIO(errors);
    // --isolated: without the gateway file the gateway checks cannot run: only infos are left, so exit 0.
    // (By default the rest of the project is read as context: see config-handling.test.ts.)
    expect(
      await run(
        ['lint', '-f', 'json', 'mesh/policy.yaml', '-c', '.github/egress-lint.yml', '--isolated'],
        io,
      ),
    ).toBe(0);
    const report = JSON.parse(io.out) as JsonReport;
    expect(report.summary.files).toBe(1);
    expect(new Set(report.findings.map((f) => f.file))).toEqual(new Set(['mesh/policy.yaml']));
    // hosts-resolve-same is set to info in that config
    expect(report.findings.find((f) => f.ruleId === 'hosts-resolve-same')?.severity).toBe('info');
  });

  it('fails on httpsUpgrade with a port but without enabled: true (issue 12: a named violation)', async () => {
    const upgradeNotEnabled = makeRepo({
      ...CLEAN_REPO,
      'mesh/policy.yaml': policyTo(`${HTTP_DESTINATION}      httpsUpgrade: {port: 443}\n`),
    });
    const io = captureIO(upgradeNotEnabled);
    expect(await run(['lint', '-f', 'json'], io)).toBe(1);
    const report = JSON.parse(io.out) as JsonReport;
    expect(
      report.findings.filter((f) => f.ruleId === 'https-upgrade-disabled').map((f) => f.severity),
    ).toEqual(['error']);
    // The same destination with the upgrade enabled is clean.
    const enabled = makeRepo({
      ...CLEAN_REPO,
      'mesh/policy.yaml': policyTo(
        `${HTTP_DESTINATION}      httpsUpgrade: {enabled: true, port: 443}\n`,
      ),
    });
    expect(await run(['lint'], captureIO(enabled))).toBe(0);
  });

  it('creation order deciding (issue 11): a warning naming the entries; an error when every order gives it', async () => {
    const entry = (
      namespace: string,
      resolution: string,
    ): string => `apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: {name: aliyun, namespace: ${namespace}}
spec:
  hosts: [www.aliyun.com]
  ports: [{number: 80, name: http, protocol: HTTP}]
  resolution: ${resolution}
`;
    const egress = `apiVersion: networking.istio.io/v1
kind: Gateway
metadata: {name: egress, namespace: istio-system}
spec:
  selector: {istio: egressgateway}
  servers: [{port: {number: 80, name: http, protocol: HTTP}, hosts: ['*']}]
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: aliyun, namespace: istio-system}
spec:
  hosts: [www.aliyun.com]
  gateways: [istio-system/egress]
  http: [{route: [{destination: {host: www.aliyun.com}}]}]
`;
    const lint = async (entries: string): Promise<JsonReport['findings']> => {
      const repo = makeRepo({ 'mesh/egress.yaml': egress, 'mesh/entries.yaml': entries });
      const io = captureIO(repo);
      await run(['lint', '-f', 'json'], io);
      return (JSON.parse(io.out) as JsonReport).findings.filter(
        (f) => f.ruleId === 'serviceentry-resolution-none',
      );
    };
    const some = await lint(`${entry('team-a', 'NONE')}---\n${entry('team-b', 'DNS')}`);
    expect(some.map((f) => f.severity)).toEqual(['warning']);
    expect(some[0]!.message).toContain(
      'if ServiceEntry team-a/aliyun is the oldest of ServiceEntry team-a/aliyun and ServiceEntry team-b/aliyun',
    );
    const every = await lint(`${entry('team-a', 'NONE')}---\n${entry('team-b', 'NONE')}`);
    expect(every.map((f) => f.severity)).toEqual(['error']);
  });

  it('finds the config under the one folder given', async () => {
    const clean = makeRepo(CLEAN_REPO);
    const io = captureIO(join(clean, '..'));
    const folder = clean.split('/').pop()!;
    expect(await run(['lint', folder], io)).toBe(0);
    expect(io.out).toBe('0 errors, 0 warnings, 0 infos in 2 files (2 resources)\n');
  });
});

describe('egress-lint rules (in process)', () => {
  it('prints id, severity, description, kinds and docs of every rule', async () => {
    const io = captureIO('/');
    expect(await run(['rules'], io)).toBe(0);
    for (const { meta } of RULES) {
      expect(io.out).toMatch(
        new RegExp(
          `(^|\\n)${meta.id} +${meta.severity}\\n {2}.+\\n {2}reads: .+\\n {2}docs: {2}https://\\S+/${meta.id}\\.md\\n`,
        ),
      );
    }
    expect(io.out).toContain('reads: every YAML file (findings of the load stage)');
    expect(io.out.endsWith(`\n${RULES.length} rules\n`)).toBe(true);
  });

  it('prints the same as JSON', async () => {
    const io = captureIO('/');
    expect(await run(['rules', '--format', 'json'], io)).toBe(0);
    const { rules } = JSON.parse(io.out) as {
      rules: {
        id: string;
        severity: string;
        kinds: string[];
        stage: string;
        description: string;
        docs: string;
      }[];
    };
    expect(rules.map((r) => r.id)).toEqual(RULES.map((r) => r.meta.id));
    expect(rules.find((r) => r.id === 'gateway-port-conflict')).toEqual({
      id: 'gateway-port-conflict',
      severity: 'error',
      kinds: ['ASMEgressTrafficPolicy'],
      stage: 'rules',
      description: RULES.find((r) => r.meta.id === 'gateway-port-conflict')!.meta.description,
      docs: 'https://github.com/egress-lint/egress-lint/blob/main/rules/gateway-port-conflict.md',
    });
  });

  it('rejects an unknown format with exit 2', async () => {
    const io = captureIO('/');
    expect(await run(['rules', '--format', 'sarif'], io)).toBe(2);
    expect(io.err).toMatch(/argument 'sarif' is invalid/);
  });
});
