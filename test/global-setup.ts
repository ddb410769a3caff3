import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/**
 * Build once before the suite, the way `npm run build` does: the CLI tests run the real `egress-lint`
 * binary, and a type error anywhere fails the run here rather than hiding until someone installs
 * the package.
 */
export default function setup(): void {
  const root = fileURLToPath(new URL('..', import.meta.url));
  execFileSync(process.execPath, ['scripts/build.mjs'], { cwd: root, stdio: 'inherit' });
}
