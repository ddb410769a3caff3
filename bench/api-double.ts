/**
 * The GitHub API double for bench/app.ts, in its own process so the app's memory and event loop are
 * measured alone. Seeds one policy repository (generatePolicyRepo) and `PULLS` pull requests, each
 * changing a few policy files, then answers the app over HTTP and reports per-delivery call counts.
 */
import { FakeGitHub } from '../test/support/fake-github.js';
import { generatePolicyRepo } from './generate.js';

export interface DoubleReady {
  type: 'ready';
  host: string;
  repo: { owner: string; name: string };
  pulls: { number: number; baseSha: string; headSha: string }[];
}

export interface DoubleStats {
  type: 'stats';
  perDelivery: Record<string, Record<string, number>>;
  requests: number;
  violations: string[];
  checkRuns: { conclusion: string | null; annotations: number }[];
  comments: number;
}

const policies = Number(process.env.BENCH_POLICIES ?? 200);
const pullCount = Number(process.env.BENCH_PULLS ?? 100);
const github = new FakeGitHub({
  appId: Number(process.env.BENCH_APP_ID),
  publicKey: process.env.BENCH_PUBLIC_KEY!,
});
const repo = github.repo('platform', 'mesh-egress');

const files: Record<string, string> = {
  '.github/egress-lint.yml': 'paths: [gateways, policies]\ncomment: always\n',
};
for (const f of generatePolicyRepo(policies).files) files[f.path] = f.content as string;
const base = repo.commit(files);
const pulls = [];
for (let n = 1; n <= pullCount; n++) {
  const head = { ...files };
  // Each pull request edits three teams' policies: a new host, a changed port, a removed rule's comment.
  for (const [k, team] of [n, n + 1, n + 2].map((t, i) => [i, t % policies] as const)) {
    const path = `policies/team-${team}.yaml`;
    head[path] =
      k === 0
        ? head[path]!.replace(
            `- api-${team}-0-0.example.com`,
            `- api-${team}-0-0.example.com\n      - pr-${n}.example.com`,
          )
        : k === 1
          ? head[path]!.replace('number: 5432', `number: ${5432 + n}`)
          : `# reviewed in pull request ${n}\n${head[path]!}`;
  }
  pulls.push({ number: n, baseSha: base, headSha: repo.commit(head) });
  repo.openPull(n, base, pulls[pulls.length - 1]!.headSha);
}

await github.start();
process.send!({
  type: 'ready',
  host: github.host,
  repo: { owner: repo.owner, name: repo.name },
  pulls,
} satisfies DoubleReady);

process.on('message', (message: { type: string }) => {
  if (message.type !== 'stats') return;
  const perDelivery: DoubleStats['perDelivery'] = {};
  for (const r of github.requests) {
    const byOp = (perDelivery[r.delivery ?? '-'] ??= {});
    byOp[r.operationId ?? r.path] = (byOp[r.operationId ?? r.path] ?? 0) + 1;
  }
  process.send!({
    type: 'stats',
    perDelivery,
    requests: github.requests.length,
    violations: github.violations.slice(0, 10),
    checkRuns: repo.checkRuns.map((r) => ({
      conclusion: r.conclusion,
      annotations: r.annotations.length,
    })),
    comments: repo.comments.length,
  } satisfies DoubleStats);
});
process.on('disconnect', () => void github.stop().then(() => process.exit(0)));
