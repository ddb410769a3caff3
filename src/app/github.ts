/**
 * The GitHub I/O layer: the few REST calls the app makes, typed narrowly, for one repository and one
 * event. Every call goes through the base repository (fork pull requests included: GitHub keeps a
 * fork PR's commits readable there), counts towards the event's API-call tally, and is cancelled when
 * the event's deadline passes, so a hanging connection cannot leave a check run in progress forever.
 * Retries and rate limits of reads are Probot's Octokit plugins' business (see octokit.ts); the
 * writes that create something retry themselves (writes.ts), so a lost reply is never posted twice.
 */
import type { ProbotOctokit } from 'probot';

export interface RepoRef {
  owner: string;
  repo: string;
}

export interface PullRequestInfo {
  number: number;
  headSha: string;
  baseSha: string;
  state: string;
  /** Web address of the pull request. */
  htmlUrl: string;
}

/** What we keep of a pull request, from any endpoint that returns one. */
function pullRequestInfo(p: {
  number: number;
  head: { sha: string };
  base: { sha: string };
  state: string;
  html_url: string;
}): PullRequestInfo {
  return {
    number: p.number,
    headSha: p.head.sha,
    baseSha: p.base.sha,
    state: p.state,
    htmlUrl: p.html_url,
  };
}

export interface ChangedFile {
  filename: string;
  previousFilename?: string;
  status: string;
}

/** A file in a git tree (blobs only; symlinks and submodules are not mesh config). */
export interface TreeFile {
  path: string;
  sha: string;
  size: number;
}

export interface IssueComment {
  id: number;
  body: string;
  userLogin: string;
  userType: string;
  /** Set when a GitHub App made the comment. */
  appId?: number;
}

export interface AppIdentity {
  id: number;
  slug: string;
}

export interface CheckRunCreated {
  id: number;
  htmlUrl: string;
  app?: AppIdentity;
  /** Annotations the run has (GitHub appends each update's annotations to them). */
  annotationsCount?: number;
}

export interface CheckRunFound extends CheckRunCreated {
  status: string;
  externalId: string | undefined;
  startedAt: string | undefined;
}

/** Per-call options of the writes that retry themselves (retry.ts): no plugin retries, own time limit. */
export interface WriteOptions {
  signal?: AbortSignal;
}

export type CheckRunCreate = NonNullable<Parameters<ProbotOctokit['rest']['checks']['create']>[0]>;
export type CheckRunUpdate = Omit<
  NonNullable<Parameters<ProbotOctokit['rest']['checks']['update']>[0]>,
  'owner' | 'repo' | 'check_run_id'
>;
export type ReactionContent =
  '+1' | '-1' | 'laugh' | 'confused' | 'heart' | 'hooray' | 'rocket' | 'eyes';
export type Permission = 'admin' | 'maintain' | 'write' | 'triage' | 'read' | 'none';

/** GitHub stops listing a pull request's files at 3,000. */
export const MAX_LISTED_PR_FILES = 3000;

export interface CallStats {
  apiCalls: number;
}

/**
 * The reason a fenced client refuses to write: its work was taken away (its job's or its pull
 * request's lock was lost, so another replica may be doing the same work now).
 */
export class WorkTakenAwayError extends Error {
  override name = 'WorkTakenAwayError';
}

export class GitHubApi {
  readonly stats: CallStats;

  /**
   * `signal`: the deadline of every call. `fence`: once it aborts, nothing more is written (nor read)
   * and a write in flight is cancelled.
   */
  constructor(
    private readonly octokit: ProbotOctokit,
    readonly repo: RepoRef,
    private readonly signal?: AbortSignal,
    sharedStats?: CallStats,
    private readonly fence?: AbortSignal,
  ) {
    if (sharedStats) {
      this.stats = sharedStats;
      return;
    }
    const stats: CallStats = { apiCalls: 0 };
    this.stats = stats;
    // Counted around the plugins, so a paginated list counts each page and a retried call once.
    octokit.hook.wrap('request', (request, options) => {
      stats.apiCalls++;
      return request(options);
    });
  }

  /**
   * The same client and tally, with another deadline (each pull request check gets its own), and
   * optionally another fence (see the constructor).
   */
  withDeadline(signal: AbortSignal, fence = this.fence): GitHubApi {
    return new GitHubApi(this.octokit, this.repo, signal, this.stats, fence);
  }

  /** Options every call carries: the repository and the event's deadline (and the fence). */
  private get common(): RepoRef & { request: { signal?: AbortSignal } } {
    const signal = this.fenced(this.signal);
    return { ...this.repo, request: signal ? { signal } : {} };
  }

  /** `signal` joined with the fence; throws when the fence is down already. */
  private fenced(signal: AbortSignal | undefined): AbortSignal | undefined {
    if (!this.fence) return signal;
    if (this.fence.aborted)
      throw new WorkTakenAwayError(
        'this work was taken away (its lock was lost); nothing is written',
        {
          cause: this.fence.reason,
        },
      );
    return signal ? AbortSignal.any([signal, this.fence]) : this.fence;
  }

  async getPullRequest(number: number): Promise<PullRequestInfo> {
    const { data } = await this.octokit.rest.pulls.get({ ...this.common, pull_number: number });
    return pullRequestInfo(data);
  }

  /** Open pull requests whose head is `sha` (the check run's own list is empty for fork pull requests). */
  async findPullRequestsForCommit(sha: string): Promise<PullRequestInfo[]> {
    const { data } = await this.octokit.rest.repos.listPullRequestsAssociatedWithCommit({
      ...this.common,
      commit_sha: sha,
      per_page: 100,
    });
    const found = data.filter((p) => p.state === 'open' && p.head.sha === sha);
    if (found.length > 0) return found.map(pullRequestInfo);
    // That endpoint only knows commits on the repository's own branches; a fork's head needs the open list.
    return (await this.listOpenPullRequests()).filter((p) => p.headSha === sha);
  }

  async listOpenPullRequests(): Promise<PullRequestInfo[]> {
    const open = await this.octokit.paginate(this.octokit.rest.pulls.list, {
      ...this.common,
      state: 'open',
      per_page: 100,
    });
    return open.map(pullRequestInfo);
  }

  /**
   * Closed pull requests updated at or after `since` (closing one updates it): paged newest first,
   * stopping at the first older one.
   */
  async listPullRequestsClosedSince(since: number): Promise<PullRequestInfo[]> {
    return this.octokit.paginate(
      this.octokit.rest.pulls.list,
      { ...this.common, state: 'closed', sort: 'updated', direction: 'desc', per_page: 100 },
      (response, done) => {
        const recent = response.data.filter((p) => Date.parse(p.updated_at) >= since);
        if (recent.length < response.data.length) done();
        return recent.map(pullRequestInfo);
      },
    );
  }

  /**
   * Head commits of the groups in the repository's merge queues: GitHub makes a branch
   * `gh-readonly-queue/<base>/pr-<number>-<base sha>` for each group while it is queued.
   */
  async listMergeQueueHeads(): Promise<string[]> {
    const { data } = await this.octokit.rest.git.listMatchingRefs({
      ...this.common,
      ref: 'heads/gh-readonly-queue/',
    });
    return data.map((r) => r.object.sha);
  }

  /** The pull request's changed files; `complete` is false when GitHub's 3,000-file cap cut the list. */
  async listPullRequestFiles(number: number): Promise<{ files: ChangedFile[]; complete: boolean }> {
    const data = await this.octokit.paginate(this.octokit.rest.pulls.listFiles, {
      ...this.common,
      pull_number: number,
      per_page: 100,
    });
    const files = data.map((f) => ({
      filename: f.filename,
      status: f.status,
      ...(f.previous_filename ? { previousFilename: f.previous_filename } : {}),
    }));
    return { files, complete: files.length < MAX_LISTED_PR_FILES };
  }

  /** A file's text at a commit, or undefined when it does not exist there. */
  async getFileText(path: string, ref: string): Promise<{ text: string; sha: string } | undefined> {
    try {
      const { data } = await this.octokit.rest.repos.getContent({ ...this.common, path, ref });
      if (Array.isArray(data) || data.type !== 'file' || !('content' in data)) return undefined;
      return { text: Buffer.from(data.content, 'base64').toString('utf8'), sha: data.sha };
    } catch (e) {
      if (statusOf(e) === 404) return undefined;
      throw e;
    }
  }

  /** Whether `path` is a file in a commit's tree, read one level at a time (two calls for `.github/x`). */
  async treeHasFile(path: string, commit: string): Promise<boolean> {
    const parts = path.split('/');
    let treeish = commit;
    for (const part of parts.slice(0, -1)) {
      const dir = (await this.listTree(treeish, false)).dirs.find((d) => d.path === part);
      if (!dir) return false;
      treeish = dir.sha;
    }
    return (await this.listTree(treeish, false)).files.some((f) => f.path === parts.at(-1));
  }

  /** Blobs of a commit's tree in one call; `truncated` when the tree is too big for one listing. */
  async listTree(
    treeish: string,
    recursive: boolean,
  ): Promise<{ files: TreeFile[]; dirs: { path: string; sha: string }[]; truncated: boolean }> {
    const { data } = await this.octokit.rest.git.getTree({
      ...this.common,
      tree_sha: treeish,
      ...(recursive ? { recursive: '1' } : {}),
    });
    const files: TreeFile[] = [];
    const dirs: { path: string; sha: string }[] = [];
    for (const e of data.tree) {
      if (!e.path || !e.sha) continue;
      if (e.type === 'tree') dirs.push({ path: e.path, sha: e.sha });
      // 120000 is a symlink, whose blob is the link target, not a file to check.
      else if (e.type === 'blob' && e.mode !== '120000')
        files.push({ path: e.path, sha: e.sha, size: e.size ?? 0 });
    }
    return { files, dirs, truncated: data.truncated };
  }

  async getBlob(sha: string): Promise<Uint8Array> {
    const { data } = await this.octokit.rest.git.getBlob({ ...this.common, file_sha: sha });
    return new Uint8Array(
      Buffer.from(data.content, data.encoding === 'base64' ? 'base64' : 'utf8'),
    );
  }

  /**
   * Options of a write that retries itself: the Octokit retry plugin would repeat a POST whose reply
   * was lost without looking first, so it is off; the attempt's own signal replaces the deadline.
   */
  private writeCommon(options: WriteOptions): RepoRef & {
    request: { retries: number; signal?: AbortSignal };
  } {
    const signal = this.fenced(options.signal);
    return { ...this.repo, request: { retries: 0, ...(signal ? { signal } : {}) } };
  }

  async createCheckRun(
    body: Omit<CheckRunCreate, 'owner' | 'repo'>,
    options: WriteOptions = {},
  ): Promise<CheckRunCreated> {
    const { data } = await this.octokit.rest.checks.create({
      ...this.writeCommon(options),
      ...body,
    } as unknown as CheckRunCreate);
    return checkRunInfo(data);
  }

  /** Check runs named `name` on a commit, newest first (GitHub's order). */
  async listCheckRuns(
    headSha: string,
    name: string,
    options: WriteOptions & { status?: 'in_progress' | 'queued' } = {},
  ): Promise<CheckRunFound[]> {
    const runs = await this.octokit.paginate(this.octokit.rest.checks.listForRef, {
      ...this.writeCommon(options),
      ref: headSha,
      check_name: name,
      filter: 'all',
      ...(options.status ? { status: options.status } : {}),
      per_page: 100,
    });
    return runs.map(checkRunFound);
  }

  /** A check run by id (whatever commit it is on), or undefined when it no longer exists. */
  async getCheckRun(id: number): Promise<CheckRunFound | undefined> {
    try {
      const { data } = await this.octokit.rest.checks.get({ ...this.common, check_run_id: id });
      return checkRunFound(data);
    } catch (e) {
      if (statusOf(e) === 404) return undefined;
      throw e;
    }
  }

  /** How many annotations a check run has now. */
  async getCheckRunAnnotationsCount(id: number, options: WriteOptions = {}): Promise<number> {
    const { data } = await this.octokit.rest.checks.get({
      ...this.writeCommon(options),
      check_run_id: id,
    });
    return data.output.annotations_count;
  }

  /** Updates a check run: within the event's deadline, or with a write's own options. */
  async updateCheckRun(id: number, body: CheckRunUpdate, options?: WriteOptions): Promise<void> {
    const common = options ? this.writeCommon(options) : this.common;
    await this.octokit.rest.checks.update({ ...common, check_run_id: id, ...body } as Parameters<
      ProbotOctokit['rest']['checks']['update']
    >[0]);
  }

  async listIssueComments(number: number): Promise<IssueComment[]> {
    const data = await this.octokit.paginate(this.octokit.rest.issues.listComments, {
      ...this.common,
      issue_number: number,
      per_page: 100,
    });
    return data.map((c) => ({
      id: c.id,
      body: c.body ?? '',
      userLogin: c.user?.login ?? '',
      userType: c.user?.type ?? '',
      ...(c.performed_via_github_app ? { appId: c.performed_via_github_app.id } : {}),
    }));
  }

  /** Only through writes.ts, which looks for an earlier attempt's comment before posting again. */
  async createIssueComment(number: number, body: string, options: WriteOptions): Promise<number> {
    const { data } = await this.octokit.rest.issues.createComment({
      ...this.writeCommon(options),
      issue_number: number,
      body,
    });
    return data.id;
  }

  /** False when the comment no longer exists (someone deleted it). */
  async updateIssueComment(id: number, body: string): Promise<boolean> {
    try {
      await this.octokit.rest.issues.updateComment({ ...this.common, comment_id: id, body });
      return true;
    } catch (e) {
      if (statusOf(e) === 404) return false;
      throw e;
    }
  }

  /** Idempotent on GitHub's side: the same reaction again is answered 200 and not added twice. */
  async createReaction(
    commentId: number,
    content: ReactionContent,
    options: WriteOptions,
  ): Promise<void> {
    await this.octokit.rest.reactions.createForIssueComment({
      ...this.writeCommon(options),
      comment_id: commentId,
      content,
    });
  }

  /** The user's permission on the repository; 'none' when they are not a collaborator at all. */
  async getPermission(username: string): Promise<Permission> {
    try {
      const { data } = await this.octokit.rest.repos.getCollaboratorPermissionLevel({
        ...this.common,
        username,
      });
      // `permission` folds maintain into write and triage into read; role_name keeps them apart.
      const role = (data as { role_name?: string }).role_name;
      const known: Permission[] = ['admin', 'maintain', 'write', 'triage', 'read', 'none'];
      return known.includes(role as Permission)
        ? (role as Permission)
        : ((data.permission as Permission) ?? 'none');
    } catch (e) {
      if (statusOf(e) === 404) return 'none';
      throw e;
    }
  }
}

function checkRunFound(
  data: Parameters<typeof checkRunInfo>[0] & {
    status: string;
    external_id: string | null;
    started_at: string | null;
  },
): CheckRunFound {
  return {
    ...checkRunInfo(data),
    status: data.status,
    externalId: data.external_id ?? undefined,
    startedAt: data.started_at ?? undefined,
  };
}

function checkRunInfo(data: {
  id: number;
  html_url: string | null;
  app: { id: number; slug?: string } | null;
  output?: { annotations_count?: number };
}): CheckRunCreated {
  return {
    id: data.id,
    htmlUrl: data.html_url ?? '',
    ...(data.app ? { app: { id: data.app.id, slug: data.app.slug ?? '' } } : {}),
    ...(data.output?.annotations_count !== undefined
      ? { annotationsCount: data.output.annotations_count }
      : {}),
  };
}

/** The HTTP status of an Octokit request error, if that is what `e` is. */
export function statusOf(e: unknown): number | undefined {
  return typeof e === 'object' &&
    e !== null &&
    'status' in e &&
    typeof (e as { status: unknown }).status === 'number'
    ? (e as { status: number }).status
    : undefined;
}
