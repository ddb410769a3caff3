import { describe, expect, it } from 'vitest';
import { ConfigError, parseProjectConfig } from '../../src/config/project-config.js';

describe('parseProjectConfig', () => {
  it('reads `off` as the word off (YAML 1.1 would make it false)', () => {
    const config = parseProjectConfig('comment: off\nrules:\n  policy-name: off\n');
    expect(config.comment).toBe('off');
    expect(config.rules).toEqual({ 'policy-name': 'off' });
  });

  it('rejects an unknown comment mode with file and line', () => {
    expect(() => parseProjectConfig('failOn: error\ncomment: sometimes\n')).toThrow(ConfigError);
    expect(() => parseProjectConfig('failOn: error\ncomment: sometimes\n')).toThrow(
      /^\.github\/egress-lint\.yml:2:1: comment must be one of always, on-change, off$/,
    );
  });
});
