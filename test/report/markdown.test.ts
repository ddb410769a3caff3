/**
 * The PR comment, rendered with a GFM renderer (micromark + GFM) and checked on the resulting HTML:
 * structure, links, the size limit on huge diffs, and hostile repository text.
 */
import { describe, expect, it } from 'vitest';
import { generatePolicyRepo } from '../../bench/generate.js';
import { analyzeSources } from '../../src/analyze.js';
import { DEFAULT_CONFIG } from '../../src/config/project-config.js';
import { diffRevisions } from '../../src/diff/diff.js';
import type { Finding } from '../../src/model/finding.js';
import type { DiffReport } from '../../src/report/diff-report.js';
import { COMMENT_LIMIT, renderMarkdown, STICKY_COMMENT_MARKER } from '../../src/report/markdown.js';
import {
  ancestors,
  assertWellFormed,
  elements,
  renderGfm,
  textOf,
  textOutside,
  type HtmlElement,
} from '../helpers/html.js';
import { fixtureReport } from '../helpers/revisions.js';

const LINKS = {
  repoUrl: 'https://github.com/acme/mesh-config',
  headSha: '0123456789abcdef0123456789abcdef01234567',
};
const CHECK_RUN = 'https://github.com/acme/mesh-config/runs/42';

function finding(over: Partial<Finding> = {}): Finding {
  return {
    ruleId: 'gateway-port-mismatch',
    severity: 'error',
    message: 'byEgressGateway.port 444 is not a port of egress gateway egressgateway',
    file: 'egress-by-egressgateway.yaml',
    line: 25,
    column: 9,
    docs: 'https://github.com/egress-lint/egress-lint/blob/main/rules/gateway-port-mismatch.md',
    ...over,
  };
}

function diffOf(base: Record<string, string>, head: Record<string, string>) {
  const files = (m: Record<string, string>) =>
    Object.entries(m).map(([path, content]) => ({ path, content }));
  return diffRevisions(
    analyzeSources(files(base), DEFAULT_CONFIG),
    analyzeSources(files(head), DEFAULT_CONFIG),
  );
}

const size = (s: string): number => Buffer.byteLength(s, 'utf8');
/** The code of a details block's diff (not the names in its summary). */
const diffCode = (details: HtmlElement): string =>
  textOf(elements(elements(details, 'pre')[0]!, 'code')[0]!);
const cells = (tr: HtmlElement): string[] =>
  tr.children.filter((c): c is HtmlElement => typeof c !== 'string').map(textOf);

describe('PR comment markdown', () => {
  it('verdict, findings table with links at the head commit, change table, one diff per changed resource, footer, marker', async () => {
    const report: DiffReport = {
      ...(await fixtureReport('https-upgrade-on')),
      findings: [
        finding(),
        finding({ severity: 'warning', ruleId: 'https-upgrade-disabled', line: 26 }),
      ],
    };
    const md = renderMarkdown(report, { links: LINKS, fullOutput: { url: CHECK_RUN } });
    expect(
      md.startsWith(`${STICKY_COMMENT_MARKER}\n### ❌ egress-lint: blocked — 1 error, 1 warning\n`),
    ).toBe(true);
    const tree = assertWellFormed(md);

    const [findings, changes] = elements(tree, 'table');
    expect(elements(tree, 'table')).toHaveLength(2);
    const findingRows = elements(findings!, 'tr').slice(1).map(cells);
    expect(findingRows).toEqual([
      [
        '❌ error',
        'gateway-port-mismatch',
        'egress-by-egressgateway.yaml:25',
        report.findings[0]!.message,
      ],
      [
        '⚠️ warning',
        'https-upgrade-disabled',
        'egress-by-egressgateway.yaml:26',
        report.findings[0]!.message,
      ],
    ]);
    const hrefs = elements(findings!, 'a').map((a) => a.attrs.href);
    expect(hrefs).toContain(
      `${LINKS.repoUrl}/blob/${LINKS.headSha}/egress-by-egressgateway.yaml#L25`,
    );
    expect(hrefs).toContain(report.findings[0]!.docs);

    const changeRows = elements(changes!, 'tr').slice(1).map(cells);
    expect(changeRows).toEqual(
      report.diff.changes.map((c) => [
        c.change,
        c.kind,
        `${c.namespace}/${c.name}`,
        `${c.policy ? 'policy istio-egress/egress-by-egressgateway' : 'hand-written'}, egress-by-egressgateway.yaml:${c.location!.line}`,
      ]),
    );
    const details = elements(tree, 'details');
    expect(details.map((d) => textOf(elements(d, 'summary')[0]!))).toEqual(
      report.diff.changes.map((c) =>
        expect.stringContaining(`${c.change} ${c.kind} ${c.namespace}/${c.name}`),
      ),
    );
    // Each block holds exactly the patch, untouched.
    details.forEach((d, i) => expect(diffCode(d)).toBe(report.diff.changes[i]!.patch));

    const footer = textOf(tree).slice(textOf(tree).lastIndexOf('Comment commands'));
    expect(footer).toContain('/egress render');
    expect(footer).toContain('/egress help');
    expect(elements(tree, 'a').map((a) => a.attrs.href)).toEqual(
      expect.arrayContaining([
        'https://github.com/egress-lint/egress-lint/blob/main/rules',
        CHECK_RUN,
      ]),
    );
  });

  it('without links, locations are plain file:line; a clean head passes; no changes says so', async () => {
    const report = await fixtureReport('reformatted-policy');
    const md = renderMarkdown(report);
    expect(md).toContain('### ✅ egress-lint: passes — 0 errors, 0 warnings');
    const tree = assertWellFormed(md);
    expect(elements(tree, 'a').map((a) => a.attrs.href)).toEqual([
      'https://github.com/egress-lint/egress-lint/blob/main/rules',
    ]);
    expect(textOf(tree)).toContain('No changes to Istio resources or egress policies.');
    expect(elements(tree, 'details')).toHaveLength(0);

    const changed = await fixtureReport('port-changed');
    const plain = assertWellFormed(renderMarkdown(changed));
    expect(elements(plain, 'a').length).toBe(1); // only the docs link
    expect(textOf(elements(plain, 'table')[0]!)).toContain('egress-by-egressgateway.yaml:25');
  });

  it('access changes: a table and a mermaid block', async () => {
    const report: DiffReport = {
      ...(await fixtureReport('https-upgrade-on')),
      access: {
        rows: [
          {
            source: 'mytest/app=sleep-a',
            destination: 'https://httpbin.org:443',
            before: 'blocked-unregistered',
            after: 'allowed-via-gateway',
          },
        ],
        mermaid:
          'flowchart LR\n  A[mytest/app=sleep-a] -->|mTLS 80| G[egressgateway]\n  G -->|TLS 443| H[httpbin.org]',
      },
    };
    const tree = assertWellFormed(renderMarkdown(report));
    const access = elements(tree, 'table')[1]!;
    expect(elements(access, 'tr').slice(1).map(cells)).toEqual([
      [
        'mytest/app=sleep-a',
        'https://httpbin.org:443',
        'blocked-unregistered',
        'allowed-via-gateway',
      ],
    ]);
    const mermaid = elements(tree, 'code').find((c) => c.attrs.class === 'language-mermaid')!;
    expect(textOf(mermaid)).toBe(`${report.access!.mermaid}\n`);
  });

  it('a 5 MB diff is cut to fit, with notes, and stays well-formed', () => {
    const repo = generatePolicyRepo(180);
    const diff = diffRevisions(
      analyzeSources([], DEFAULT_CONFIG),
      analyzeSources(repo.files, DEFAULT_CONFIG),
    );
    const total = diff.changes.reduce((n, c) => n + c.patch.length, 0);
    expect(total).toBeGreaterThan(5_000_000);
    const findings = Array.from({ length: 3000 }, (_, i) => finding({ line: i + 1 }));
    const md = renderMarkdown(
      { diff, findings, failOn: 'error' },
      { links: LINKS, fullOutput: { url: CHECK_RUN, command: 'egress-lint diff --base main' } },
    );
    expect(md.length).toBeLessThan(COMMENT_LIMIT);
    expect(size(md)).toBeLessThanOrEqual(60_000);
    const tree = assertWellFormed(md);

    const [findingTable, changeTable] = elements(tree, 'table');
    const findingRows = elements(findingTable!, 'tr').length - 1;
    const changeRows = elements(changeTable!, 'tr').length - 1;
    expect(findingRows).toBeGreaterThan(10);
    expect(findingRows).toBeLessThan(3000);
    expect(changeRows).toBeGreaterThan(10);
    expect(changeRows).toBeLessThan(diff.changes.length);
    const text = textOf(tree);
    expect(text).toContain(
      `${(3000 - findingRows).toLocaleString('en-US')} more findings not shown: see the check run, or the output of egress-lint diff --base main.`,
    );
    expect(text).toContain(
      `${(diff.changes.length - changeRows).toLocaleString('en-US')} more changed resources not shown: see`,
    );
    const shown = elements(tree, 'details').length;
    expect(shown).toBeGreaterThan(5);
    expect(text).toContain(
      `${(diff.changes.length - shown).toLocaleString('en-US')} more changed resources not shown here`,
    );
    // The sections share the budget: none of them took it all.
    for (const part of [findingTable!, changeTable!])
      expect(size(textOf(part))).toBeLessThan(30_000);
  });

  it('one huge resource: its diff is cut between lines, and one huge line is shortened', () => {
    const hosts = Array.from({ length: 60_000 }, (_, i) => `      - host-${i}.example.com`).join(
      '\n',
    );
    const se = (h: string) =>
      `apiVersion: networking.istio.io/v1\nkind: ServiceEntry\nmetadata: {name: big, namespace: default}\nspec:\n  hosts:\n${h}\n`;
    const longHost = `a${'x'.repeat(2_000_000)}.example.com`;
    const diff = diffOf(
      {
        'big.yaml': se('      - small.example.com'),
        'long.yaml': se('      - small.example.com').replace('big', 'long'),
      },
      { 'big.yaml': se(hosts), 'long.yaml': se(`      - ${longHost}`).replace('big', 'long') },
    );
    expect(diff.changes.map((c) => c.name)).toEqual(['big', 'long']);
    const md = renderMarkdown(
      { diff, findings: [], failOn: 'error' },
      { fullOutput: { command: 'egress-lint diff --base main' } },
    );
    expect(md.length).toBeLessThan(COMMENT_LIMIT);
    const tree = assertWellFormed(md);
    const [big, long] = elements(tree, 'details');
    expect(textOf(big!)).toMatch(
      /Diff cut: [\d,]+ of 60,0\d\d lines shown\. The full diff is in the output of egress-lint diff --base main\./,
    );
    expect(textOf(long!)).toContain('lines longer than 500 characters shortened');
    expect(diffCode(long!)).toContain('[…]');
  });

  it('hostile names cannot close fences, open HTML, break tables or mention anyone', () => {
    const evil =
      'evil```` </details><img src=x onerror=alert(1)> @org/team | x\nnext line `tick` $x$ [a](javascript:alert(1)) <!--';
    const name = `x\`\`\`\`y</details><img src=x>@org/team|z`;
    const yaml = (host: string) => `apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata:
  name: ${JSON.stringify(name)}
  namespace: ${JSON.stringify('ns@org/team')}
spec:
  hosts: [${JSON.stringify(host)}]
`;
    const diff = diffOf({ 'a.yaml': yaml('old.example.com') }, { 'a.yaml': yaml(evil) });
    expect(diff.changes).toHaveLength(1);
    const findings = [
      finding({
        message: evil,
        file: 'dir/`x`|</details>@org/team\n.yaml',
        ruleId: 'evil|</details>',
      }),
    ];
    const access = {
      rows: [{ source: evil, destination: '@org/team', before: '</details>', after: '|' }],
      mermaid: 'flowchart LR\n  A["```` </details>"] --> B',
    };
    const md = renderMarkdown(
      { diff, findings, failOn: 'error', notes: [evil], access },
      { links: LINKS },
    );
    const tree = assertWellFormed(md);

    expect(elements(tree, 'details')).toHaveLength(1);
    expect(elements(tree, 'img')).toHaveLength(0);
    expect(elements(tree, 'table')).toHaveLength(3);
    expect(elements(tree, 'pre')).toHaveLength(2); // the diff and the flowchart, nothing else
    // The names arrive intact (newlines flattened), as text.
    const findingRow = cells(elements(elements(tree, 'table')[0]!, 'tr')[1]!);
    expect(findingRow[1]).toBe('evil|</details>');
    expect(findingRow[2]).toBe('dir/`x`|</details>@\u200dorg/team .yaml:25');
    expect(findingRow[3]).toBe(evil.replace('\n', ' ').replace('@', '@\u200d'));
    const changeRow = cells(elements(elements(tree, 'table')[1]!, 'tr')[1]!);
    expect(changeRow[2]).toBe(`ns@\u200dorg/team/${name.replace('@', '@\u200d')}`);
    // The diff is verbatim inside its block (the fence is longer than any backtick run in it).
    const code = diffCode(elements(tree, 'details')[0]!);
    expect(code).toContain(`+  - ${JSON.stringify(evil)}`);
    // No mention outside code: GitHub links @name in text, never in code.
    for (const text of textOutside(tree, ['code', 'pre', 'a']))
      expect(text).not.toMatch(/@[A-Za-z0-9]/);
    // The only links are ours (no javascript: from the repository), and no stray raw HTML survived.
    for (const a of elements(tree, 'a')) expect(a.attrs.href).toMatch(/^https:\/\//);
    const tags = new Set(elements(tree).map((e) => e.tag));
    for (const t of tags)
      expect([
        'h3',
        'h4',
        'p',
        'blockquote',
        'table',
        'thead',
        'tbody',
        'tr',
        'th',
        'td',
        'code',
        'a',
        'details',
        'summary',
        'b',
        'pre',
        'hr',
        'sub',
        'em',
      ]).toContain(t);
    // The mermaid block keeps its text and does not end the details or the comment.
    const mermaid = elements(tree, 'code').find((c) => c.attrs.class === 'language-mermaid')!;
    expect(ancestors(mermaid)).not.toContain('details');
    expect(textOf(mermaid)).toContain('```` </details>');
  });

  it('never exceeds a small budget either, and keeps the marker and verdict', async () => {
    const report = await fixtureReport('rule-removed');
    for (const maxBytes of [100, 400, 1500, 3000, 6000]) {
      const md = renderMarkdown(report, { maxBytes });
      expect(size(md)).toBeLessThanOrEqual(maxBytes);
      expect(md.startsWith(STICKY_COMMENT_MARKER)).toBe(true);
      if (maxBytes >= 400) expect(md).toContain('egress-lint: passes');
      assertWellFormed(md);
    }
    // The HTML of the renderer agrees with GitHub's reading of our own fences (sanity check of the helper).
    expect(renderGfm('````diff\n```\n````\n')).toBe(
      '<pre><code class="language-diff">```\n</code></pre>\n',
    );
  });
});
