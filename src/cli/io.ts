/** What a command may touch of the outside world; tests pass their own. */
export interface CliIO {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  cwd: string;
  env: Readonly<Record<string, string | undefined>>;
  /** Whether stdout is a terminal (colour, paging decisions). */
  isTTY: boolean;
  /** Standard input, read whole (for the path `-`). */
  readStdin: () => Promise<Uint8Array>;
}

export function processIO(): CliIO {
  return {
    stdout: (t) => void process.stdout.write(t),
    stderr: (t) => void process.stderr.write(t),
    cwd: process.cwd(),
    env: process.env,
    isTTY: Boolean(process.stdout.isTTY),
    readStdin: async () => {
      const chunks: Buffer[] = [];
      for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
      return Buffer.concat(chunks);
    },
  };
}

/** 3: egress-lint itself failed (a bug), so scripts can tell it from a usage error. */
export const EXIT = { ok: 0, findings: 1, usage: 2, internal: 3 } as const;

/** Colour on a terminal unless NO_COLOR is set; FORCE_COLOR turns it on anywhere. */
export function useColor(io: CliIO): boolean {
  if (io.env.NO_COLOR) return false;
  if (io.env.FORCE_COLOR && io.env.FORCE_COLOR !== '0') return true;
  return io.isTTY;
}
