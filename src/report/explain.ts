/** An explanation as text for people: verdict first, then the path, what decided it, and the caveats. */
import {
  describeSource,
  type DecisionSource,
  type Explanation,
  type Share,
  type Verdict,
} from '../simulate/types.js';

export interface ExplainTextOptions {
  color: boolean;
}

const VERDICT_COLOR: Record<Verdict, string> = {
  'allowed-via-gateway': '32',
  'allowed-direct': '33',
  'blocked-unregistered': '36',
  'denied-by-authz': '35',
  broken: '31',
  undetermined: '34',
};

const paint = (on: boolean, code: string, s: string): string =>
  on ? `\u001b[${code}m${s}\u001b[0m` : s;

/** `file:line:column field (rendered from ns/policy)`, the way a reader finds the line to change. */
export function formatDecisionSource(s: DecisionSource): string {
  const at = s.file ? `${s.file}:${s.line}:${s.column}` : '(not in a file)';
  return `${at}${s.field ? ` ${s.field}` : ''}${s.renderedFrom ? ` (rendered from ${s.renderedFrom})` : ''}`;
}

export function formatExplanationText(e: Explanation, options: ExplainTextOptions): string {
  const c = options.color;
  const lines: string[] = [];
  const method = e.request.scheme === 'http' ? ` (${e.request.method})` : '';
  lines.push(`${paint(c, '1', `${describeSource(e.source)} -> ${e.request.url}`)}${method}`);
  lines.push(`verdict   ${paint(c, VERDICT_COLOR[e.verdict], e.verdict)}`);
  lines.push(`why       ${e.reason}`);
  lines.push(`expect    ${e.expected}`);
  if (e.missing) lines.push(`missing   ${e.missing}`);
  if (e.gateway) {
    lines.push(
      `gateway   ${e.gateway.namespace}/${e.gateway.name} port ${e.gateway.port}${e.gateway.declared ? '' : ' (not declared in this repository)'}`,
    );
  }
  if (e.upstream) {
    const tls =
      e.upstream.tls === 'none'
        ? 'no TLS'
        : e.upstream.tls === 'app'
          ? "the application's TLS"
          : `TLS ${e.upstream.tls} originated by the ${e.upstream.by === 'sidecar' ? 'sidecar' : 'egress gateway'}`;
    lines.push(
      `upstream  ${e.upstream.host}:${e.upstream.port}, ${tls}${e.upstream.seenByServer ? `; the server sees ${e.upstream.seenByServer}` : ''}`,
    );
  }
  if (e.shares) lines.push('', ...sharesLines(e.shares, c));
  lines.push('', 'path');
  e.hops.forEach((h, i) => {
    lines.push(`  ${i + 1}. ${h.from} -> ${h.to}`);
    lines.push(`       ${h.transport}`);
  });
  lines.push('', 'decided by');
  const width = Math.max(...e.decisions.map((d) => d.at.length));
  for (const d of e.decisions) {
    lines.push(`  ${d.at.padEnd(width)}  ${d.text}`);
    if (d.source)
      lines.push(`  ${' '.repeat(width)}    ${paint(c, '2', formatDecisionSource(d.source))}`);
  }
  if (e.notes.length) {
    lines.push('', 'notes');
    for (const n of e.notes) lines.push(`  - ${n}`);
  }
  return `${lines.join('\n')}\n`;
}

/** Each share of a traffic split answered differently: its weight, verdict, route, reason and path. */
function sharesLines(shares: readonly Share[], color: boolean): string[] {
  const lines = [
    "shares (the traffic is split and its shares differ; the verdict is the heaviest's)",
  ];
  shares.forEach((s, i) => {
    lines.push(`  ${i + 1}. ${s.weight}% ${paint(color, VERDICT_COLOR[s.verdict], s.verdict)}`);
    for (const d of s.destinations) lines.push(`       via   ${d}`);
    lines.push(`       why   ${s.reason}`);
    if (s.missing) lines.push(`       missing ${s.missing}`);
    lines.push(
      `       path  ${[s.hops[0]?.from ?? 'application', ...s.hops.map((h) => h.to)].join(' -> ')}`,
    );
  });
  return lines;
}
