/**
 * deploy/kubernetes against the Kubernetes API's own schemas (the `kubernetes-models` validators,
 * generated from Kubernetes' OpenAPI), plus what docs/app.md promises about them: probes on /ping,
 * credentials from the Secret, resources as sized there, the image at the package's version.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { Deployment } from 'kubernetes-models/apps/v1/Deployment';
import { Secret } from 'kubernetes-models/v1/Secret';
import { Service } from 'kubernetes-models/v1/Service';
import { describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import pkg from '../../package.json' with { type: 'json' };

const DIR = new URL('../../deploy/kubernetes/', import.meta.url);
const MODELS = { 'apps/v1/Deployment': Deployment, 'v1/Service': Service, 'v1/Secret': Secret };

interface Manifest {
  file: string;
  object: { apiVersion: string; kind: string; [key: string]: unknown };
}

function manifests(): Manifest[] {
  return readdirSync(DIR)
    .filter((f) => f.endsWith('.yaml') && f !== 'kustomization.yaml')
    .flatMap((file) =>
      parseAllDocuments(readFileSync(new URL(file, DIR), 'utf8')).map((doc) => {
        expect(doc.errors, file).toEqual([]);
        return { file, object: doc.toJS() as Manifest['object'] };
      }),
    );
}

function validate(object: Manifest['object']): void {
  const Model = MODELS[`${object.apiVersion}/${object.kind}` as keyof typeof MODELS];
  if (!Model) throw new Error(`no schema for ${object.apiVersion} ${object.kind}`);
  new Model(object as never).validate();
}

function deployment(): Deployment {
  const found = manifests().find((m) => m.object.kind === 'Deployment');
  return new Deployment(found!.object as never);
}

describe('deploy/kubernetes', () => {
  it('every manifest passes the Kubernetes schema of its kind', () => {
    const all = manifests();
    expect(all.map((m) => `${m.file}: ${m.object.kind}`).sort()).toEqual([
      'deployment.yaml: Deployment',
      'secret.example.yaml: Secret',
      'service.yaml: Service',
    ]);
    for (const m of all) expect(() => validate(m.object), m.file).not.toThrow();
  });

  it('the validators catch a broken manifest (so the test above can fail)', () => {
    const broken = structuredClone(deployment().toJSON()) as Manifest['object'];
    const spec = broken.spec as { template: { spec: { containers: { ports: unknown[] }[] } } };
    spec.template.spec.containers[0]!.ports = [{ containerPort: 'http' }];
    expect(() => validate(broken)).toThrow(/containerPort must be integer/);
  });

  it('kustomization.yaml applies the Deployment and the Service, never the example Secret', () => {
    const k = parseAllDocuments(
      readFileSync(new URL('kustomization.yaml', DIR), 'utf8'),
    )[0]!.toJS();
    expect(k.resources).toEqual(['deployment.yaml', 'service.yaml']);
  });

  it('probes /ping, reads credentials from the Secret, and is sized as docs/app.md says', () => {
    const container = deployment().spec!.template.spec!.containers[0]!;
    for (const probe of [container.startupProbe, container.readinessProbe, container.livenessProbe])
      expect(probe?.httpGet).toEqual({ path: '/ping', port: 'http' });
    const secretKeys = (container.env ?? [])
      .filter((e) => e.valueFrom?.secretKeyRef)
      .map((e) => [e.name, e.valueFrom!.secretKeyRef!.name, e.valueFrom!.secretKeyRef!.optional]);
    expect(secretKeys).toEqual([
      ['APP_ID', 'egress-lint', undefined],
      ['PRIVATE_KEY', 'egress-lint', undefined],
      ['WEBHOOK_SECRET', 'egress-lint', undefined],
      ['GHE_HOST', 'egress-lint', true],
      ['REDIS_URL', 'egress-lint', true],
    ]);
    expect(container.resources).toEqual({
      requests: { cpu: '1', memory: '512Mi' },
      limits: { cpu: '2', memory: '768Mi' },
    });
    const docs = readFileSync(new URL('../../docs/app.md', import.meta.url), 'utf8');
    expect(docs).toContain('`cpu: 1`, `memory: 512Mi`');
    expect(docs).toContain('limits `cpu: 2`, `memory: 768Mi`');
    const heapCap = (container.env ?? []).find((e) => e.name === 'NODE_OPTIONS')?.value;
    expect(heapCap).toBe('--max-old-space-size=384');
    expect(docs).toContain(`NODE_OPTIONS=${heapCap}`);
    expect(container.image).toBe(`egress-lint:${pkg.version}`);
  });

  it('runs as the image’s non-root user with a read-only root file system', () => {
    const pod = deployment().spec!.template.spec!;
    expect(pod.securityContext).toMatchObject({ runAsNonRoot: true, runAsUser: 1000 });
    expect(pod.containers[0]!.securityContext).toMatchObject({
      allowPrivilegeEscalation: false,
      readOnlyRootFilesystem: true,
    });
    expect(pod.automountServiceAccountToken).toBe(false);
  });
});
