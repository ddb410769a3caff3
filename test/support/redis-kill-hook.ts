/**
 * Loaded into an app replica with `node --import` (see AppReplica.start's `killBeforeRedis`): when
 * the replica is about to send a Redis command matching EGRESS_TEST_KILL_BEFORE_REDIS (a regular
 * expression over `name arg1 arg2 …`), the command is held back and the process kills itself with
 * SIGKILL a moment later. So a `kill -9` lands exactly between two steps of the app's work (what it
 * logged in that moment has reached stdout, the held write never reaches Redis), which a kill timed
 * from outside hits only by luck.
 */
import { Redis } from 'ioredis';

const pattern = process.env.EGRESS_TEST_KILL_BEFORE_REDIS;
// Long enough for log lines already written to leave the process, short enough not to matter.
const HOLD_MS = 300;

if (pattern) {
  const matches = new RegExp(pattern);
  const send = Redis.prototype.sendCommand;
  Redis.prototype.sendCommand = function (this: Redis, ...args: Parameters<Redis['sendCommand']>) {
    const [command] = args;
    const text = [command.name, ...command.args.map(String)].join(' ');
    if (!matches.test(text)) return send.apply(this, args);
    setTimeout(() => process.kill(process.pid, 'SIGKILL'), HOLD_MS);
    return command.promise;
  };
}
