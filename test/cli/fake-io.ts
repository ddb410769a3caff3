/** A CliIO that records what a command prints, for in-process CLI tests. */
import type { CliIO } from '../../src/cli/io.js';

export interface RecordingIO extends CliIO {
  out: string;
  err: string;
}

export function fakeIO(
  cwd: string,
  env: Record<string, string | undefined> = {},
  isTTY = false,
): RecordingIO {
  const io: RecordingIO = {
    out: '',
    err: '',
    cwd,
    env,
    isTTY,
    stdout: (t) => void (io.out += t),
    stderr: (t) => void (io.err += t),
  };
  return io;
}
