/**
 * The Dockerfile stays a thin wrapper around scripts/build-image.sh, the steps .ci/smoke.sh builds
 * and runs without Docker: multi-stage, the script as the only build step, a non-root final stage,
 * and the entrypoint the script installs (App without arguments, CLI with them).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { ROOT } from '../support.js';

const read = (path: string): string => readFileSync(join(ROOT, path), 'utf8');
const instructions = read('Dockerfile')
  .replace(/\\\n/g, ' ')
  .split('\n')
  .filter((l) => l.trim() && !l.startsWith('#'));
const stages = instructions
  .join('\n')
  .split(/^(?=FROM )/m)
  .map((s) => s.split('\n').filter(Boolean));

it('builds in one stage with the tested script and ships only its output', () => {
  expect(stages).toHaveLength(2);
  const [build, final] = stages;
  expect(build!.filter((l) => l.startsWith('RUN '))).toEqual([
    'RUN bash scripts/build-image.sh /src /app',
  ]);
  expect(final!.filter((l) => /^(RUN|COPY|ADD) /.test(l))).toEqual([
    'COPY --from=build --chown=root:root /app /app',
  ]);
});

it('runs as the non-root node user, through the entrypoint the script installs', () => {
  const final = stages[1]!;
  expect(final).toContain('USER node');
  expect(final).toContain('ENTRYPOINT ["/app/entrypoint.sh"]');
  expect(read('scripts/build-image.sh')).toContain(
    'install -m 0755 "$src/scripts/container-entrypoint.sh" "$app/entrypoint.sh"',
  );
  const entrypoint = read('scripts/container-entrypoint.sh');
  expect(entrypoint).toMatch(
    /if \[ "\$#" -eq 0 \]; then\n\s+exec node "\$here\/node_modules\/egress-lint\/dist\/src\/app\/main.js"/,
  );
  expect(entrypoint).toContain(
    'exec node "$here/node_modules/egress-lint/dist/src/cli/main.js" "$@"',
  );
});
