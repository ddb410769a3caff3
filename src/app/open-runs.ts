/**
 * The check runs this app opened and has not completed yet, per repository. GitHub lists check runs
 * only by commit (or by check suite); no call lists a repository's runs in progress. The sweep
 * (sweep.ts) finds most abandoned runs through the commits that lead to them (pull request heads,
 * merge-queue branches), but a merge group that left its queue leaves no such way: its
 * `gh-readonly-queue/…` branch is deleted. So the app remembers each run it opens and forgets it once
 * the run is completed; the sweep reads the old ones by id (`GET …/check-runs/{id}`, any commit).
 * What is remembered is only a lead: the sweep reads each run's status from GitHub before it writes.
 * With Redis the record is shared, so the replica that sweeps finds every replica's runs.
 */
import type { Redis } from 'ioredis';
import type { RepoRef } from './github.js';

export interface OpenRuns {
  /** `id` was opened (or taken over, still in progress) at `at` (ms since the epoch). */
  opened(repo: RepoRef, id: number, at: number): Promise<void>;
  /** `id` is completed: no sweep needs it. */
  completed(repo: RepoRef, id: number): Promise<void>;
  /** The remembered runs of `repo` opened before `before`. */
  openedBefore(repo: RepoRef, before: number): Promise<number[]>;
}

const repoKey = (repo: RepoRef): string => `${repo.owner}/${repo.repo}`;

/** One process: lost on a restart (see docs/app.md, Failure behaviour). */
export function inProcessOpenRuns(): OpenRuns {
  const byRepo = new Map<string, Map<number, number>>();
  return {
    opened(repo, id, at) {
      const runs = byRepo.get(repoKey(repo)) ?? new Map<number, number>();
      byRepo.set(repoKey(repo), runs.set(id, at));
      return Promise.resolve();
    },
    completed(repo, id) {
      const runs = byRepo.get(repoKey(repo));
      if (runs?.delete(id) && runs.size === 0) byRepo.delete(repoKey(repo));
      return Promise.resolve();
    },
    openedBefore(repo, before) {
      const runs = [...(byRepo.get(repoKey(repo)) ?? [])];
      return Promise.resolve(runs.filter(([, at]) => at < before).map(([id]) => id));
    },
  };
}

/**
 * A record outlives any sweep by far; a repository the app no longer reaches (uninstalled) is
 * forgotten this long after its last run was opened.
 */
const RECORD_SECONDS = 30 * 24 * 3600;

/** In Redis: a sorted set per repository, run ids scored by when they were opened. */
export class RedisOpenRuns implements OpenRuns {
  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
  ) {}

  #key(repo: RepoRef): string {
    return `${this.prefix}:open-runs:${repoKey(repo)}`;
  }

  async opened(repo: RepoRef, id: number, at: number): Promise<void> {
    const key = this.#key(repo);
    await this.redis.multi().zadd(key, at, String(id)).expire(key, RECORD_SECONDS).exec();
  }

  async completed(repo: RepoRef, id: number): Promise<void> {
    await this.redis.zrem(this.#key(repo), String(id));
  }

  async openedBefore(repo: RepoRef, before: number): Promise<number[]> {
    const ids = await this.redis.zrangebyscore(this.#key(repo), '-inf', `(${before}`);
    return ids.map(Number);
  }
}
