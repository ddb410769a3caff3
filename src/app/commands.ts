/** Comment commands: `/egress render` and `/egress help`, for people with write access. */
import { mdText } from '../report/escape.js';
import type { Permission } from './github.js';

export type Command = { name: 'render' } | { name: 'help' } | { name: 'unknown'; word: string };

/**
 * The command in a comment: its first non-empty line must start with `/egress`. Anything else is
 * conversation and ignored (no API call, no reply).
 */
export function parseCommand(body: string): Command | undefined {
  const first = body.split(/\r?\n/).find((l) => l.trim() !== '');
  const m = first?.trim().match(/^\/egress(?:\s+(\S+))?(?:\s|$)/i);
  if (!m) return undefined;
  const word = (m[1] ?? 'help').toLowerCase();
  if (word === 'render' || word === 'help') return { name: word };
  return { name: 'unknown', word };
}

/** Who may run commands: people who could push to the repository anyway. */
export function canRunCommands(permission: Permission): boolean {
  return permission === 'admin' || permission === 'maintain' || permission === 'write';
}

const COMMANDS = [
  '| Command | What it does |',
  '| --- | --- |',
  '| `/egress render` | Checks the pull request again and refreshes the egress-lint comment and check run. |',
  '| `/egress help` | Shows this list. |',
].join('\n');

export function helpReply(unknownWord?: string): string {
  const intro = unknownWord
    ? `egress-lint does not know \`/egress ${mdText(unknownWord, 100)}\`. `
    : '';
  return `${intro}Comment commands for egress-lint (people with write access to this repository):\n\n${COMMANDS}`;
}

export function notAllowedReply(login: string, repoFullName: string): string {
  return (
    `Sorry ${mdText(login, 100)}, only people with write access to ${mdText(repoFullName, 200)} can run egress-lint commands. ` +
    'The check runs by itself on every push; a maintainer can comment `/egress render` to refresh it.'
  );
}

/** The permission lookup failed: nothing was run, and the commenter should know why. */
export function permissionUnknownReply(reason: string): string {
  return (
    `egress-lint could not check whether you may run commands here (${mdText(reason, 500)}), so it did nothing. ` +
    'Try again in a few minutes; the check still runs by itself on every push.'
  );
}
