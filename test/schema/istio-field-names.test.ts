import { readFileSync } from 'node:fs';
import { expect, it } from 'vitest';
// @ts-expect-error plain JS script shared with the command line
import { harvest } from '../../scripts/istio-field-names.mjs';

it('the Istio field-name list matches the installed Istio schemas (run scripts/istio-field-names.mjs)', () => {
  const committed = JSON.parse(
    readFileSync(new URL('../../src/schema/istio-field-names.json', import.meta.url), 'utf8'),
  );
  expect(committed).toEqual(harvest());
});
