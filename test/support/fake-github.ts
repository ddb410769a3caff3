/**
 * A test double of the GitHub REST API: the endpoints the app uses, with state (repositories, commits,
 * blobs, pull requests, check runs, comments, reactions, collaborators), app authentication (JWTs
 * verified with the app's public key, installation tokens required on repository calls), pagination
 * with Link headers, and every request validated against GitHub's OpenAPI description.
 *
 * One request handler, two ways in: `start()` serves it over HTTP on 127.0.0.1 (reached through
 * GHE_HOST/GHE_PROTOCOL, so paths are under /api/v3), and `handle()` answers a request in-process
 * (the nock-based tests route their interceptors to it). `faults` inject errors.
 */
import { createHash, createPublicKey, randomUUID, verify, type KeyObject } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { GitHubOpenApi } from './github-openapi.js';

export const API_PREFIX = '/api/v3';

export interface FakeRequest {
  /** Where the API is served (for Link headers), e.g. https://api.github.com or http://127.0.0.1:PORT/api/v3. */
  apiBase?: string;
  method: string;
  /** Path and query, relative to the API root (no /api/v3). */
  url: string;
  headers: Record<string, string | undefined>;
  body: unknown;
}

export interface FakeResponse {
  status: number;
  headers?: Record<string, string>;
  body?: unknown;
  /** Answer this much later (a slow or hanging GitHub). */
  delayMs?: number;
}

export interface RecordedRequest {
  method: string;
  path: string;
  query: string;
  operationId: string | undefined;
  delivery: string | undefined;
  body: unknown;
  status: number;
  /** When it arrived (Date.now()). */
  at: number;
}

/**
 * What a fault answers. `performFirst`: GitHub did the work and then the answer went wrong — a lost
 * reply (with a status) or a slow one (`delayMs` alone, keeping the real answer).
 */
export interface FaultResponse extends Partial<FakeResponse> {
  performFirst?: boolean;
}

/** Return a response to answer the request with it instead (an outage, a rate limit...), undefined to pass. */
export type Fault = (
  req: FakeRequest & { operationId: string | undefined; path: string },
) => FaultResponse | undefined;

/** A fault for the first `times` calls of an operation (then it passes). */
export function failTimes(operationId: string, times: number, response: FaultResponse): Fault {
  let left = times;
  return (req) => {
    if (req.operationId !== operationId || left <= 0) return undefined;
    left--;
    return response;
  };
}

/** GitHub performs the call, but the reply is lost on the way back (a 502 from a proxy). */
export function loseReplies(operationId: string, times = 1): Fault {
  return failTimes(operationId, times, {
    performFirst: true,
    status: 502,
    body: { message: 'Bad Gateway' },
  });
}

export type Permission = 'admin' | 'maintain' | 'write' | 'triage' | 'read' | 'none';

export interface FakePull {
  number: number;
  state: 'open' | 'closed';
  /** When it last changed (ISO time; closing a pull request sets it). */
  updatedAt: string;
  baseSha: string;
  headSha: string;
  baseRef: string;
  headRef: string;
  /** Full name of the repository the head branch lives in (a fork's, for fork pull requests). */
  headRepoFullName: string;
  headRepoId: number;
}

export interface FakeComment {
  id: number;
  issueNumber: number;
  body: string;
  user: { login: string; type: 'User' | 'Bot' };
  appId?: number;
}

export interface FakeCheckRun {
  id: number;
  name: string;
  headSha: string;
  status: string;
  conclusion: string | null;
  externalId?: string;
  startedAt?: string;
  output: { title?: string; summary?: string; text?: string };
  annotations: Record<string, unknown>[];
  /** Bodies of every create/update call, in order. */
  calls: Record<string, unknown>[];
}

export interface FakeGitHubOptions {
  appId: number;
  appSlug?: string;
  /** PEM or key object of the app's public key (JWTs are checked against it). */
  publicKey: string | KeyObject;
  /** Recursive tree listings with more entries than this come back truncated (GitHub: 100,000). */
  maxTreeEntries?: number;
}

let nextId = 1000;
const id = (): number => nextId++;

export function gitBlobSha(content: Buffer): string {
  return createHash('sha1').update(`blob ${content.byteLength}\0`).update(content).digest('hex');
}

export class FakeRepo {
  readonly id = id();
  readonly blobs = new Map<string, Buffer>();
  /** Commit id -> path -> blob id (a flat tree). */
  readonly commits = new Map<string, Map<string, string>>();
  readonly pulls = new Map<number, FakePull>();
  readonly comments: FakeComment[] = [];
  readonly checkRuns: FakeCheckRun[] = [];
  readonly reactions: { commentId: number; content: string; user: string }[] = [];
  /** Branches: name -> commit (a merge queue's `gh-readonly-queue/...` branches among them). */
  readonly branches = new Map<string, string>();
  readonly permissions = new Map<string, Permission>();
  /** Directory tree ids handed out in tree listings -> (commit, directory). */
  readonly dirTrees = new Map<string, { commit: string; dir: string }>();

  constructor(
    readonly owner: string,
    readonly name: string,
    readonly htmlBase: string,
  ) {}

  get fullName(): string {
    return `${this.owner}/${this.name}`;
  }

  get htmlUrl(): string {
    return `${this.htmlBase}/${this.fullName}`;
  }

  /** Records a commit with exactly these files; returns its id (`sha`: a real git commit's). */
  commit(files: Record<string, string | Uint8Array>, sha?: string): string {
    const tree = new Map<string, string>();
    for (const [path, content] of Object.entries(files).sort(([a], [b]) => (a < b ? -1 : 1))) {
      const bytes = Buffer.from(content as string);
      const sha = gitBlobSha(bytes);
      this.blobs.set(sha, bytes);
      tree.set(path, sha);
    }
    sha ??= createHash('sha1')
      .update(
        `${this.fullName}\n${[...tree].map(([p, s]) => `${p} ${s}`).join('\n')}\n${this.commits.size}`,
      )
      .digest('hex');
    this.commits.set(sha, tree);
    return sha;
  }

  /** Files of a commit as path -> text. */
  files(commit: string): Record<string, string> {
    const tree = this.commits.get(commit);
    if (!tree) throw new Error(`no commit ${commit}`);
    return Object.fromEntries([...tree].map(([p, s]) => [p, this.blobs.get(s)!.toString('utf8')]));
  }

  openPull(
    number: number,
    baseSha: string,
    headSha: string,
    fork?: { fullName: string; id: number },
  ): FakePull {
    const pull: FakePull = {
      number,
      state: 'open',
      updatedAt: new Date().toISOString(),
      baseSha,
      headSha,
      baseRef: 'main',
      headRef: `feature-${number}`,
      headRepoFullName: fork?.fullName ?? this.fullName,
      headRepoId: fork?.id ?? this.id,
    };
    this.pulls.set(number, pull);
    return pull;
  }

  /** The files a pull request changes, as GitHub lists them (no rename detection here). */
  changedFiles(pull: FakePull): { filename: string; status: string; sha: string }[] {
    const base = this.commits.get(pull.baseSha)!;
    const head = this.commits.get(pull.headSha)!;
    const out: { filename: string; status: string; sha: string }[] = [];
    for (const path of [...new Set([...base.keys(), ...head.keys()])].sort()) {
      const b = base.get(path);
      const h = head.get(path);
      if (b === h) continue;
      out.push({
        filename: path,
        status: !b ? 'added' : !h ? 'removed' : 'modified',
        sha: h ?? b!,
      });
    }
    return out;
  }

  closePull(pull: FakePull, at = new Date()): void {
    pull.state = 'closed';
    pull.updatedAt = at.toISOString();
  }

  commentsOn(issueNumber: number): FakeComment[] {
    return this.comments.filter((c) => c.issueNumber === issueNumber);
  }

  checkRunsFor(headSha: string): FakeCheckRun[] {
    return this.checkRuns.filter((r) => r.headSha === headSha);
  }
}

class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

export class FakeGitHub {
  readonly openapi = new GitHubOpenApi();
  readonly repos = new Map<string, FakeRepo>();
  readonly requests: RecordedRequest[] = [];
  /** OpenAPI violations seen (also answered with 422, as GitHub would reject them). */
  readonly violations: string[] = [];
  faults: Fault[] = [];
  readonly installationId = 1;
  readonly appSlug: string;
  readonly #publicKey: KeyObject;
  readonly #tokens = new Set<string>();
  #server: Server | undefined;
  #port = 0;

  constructor(readonly options: FakeGitHubOptions) {
    this.appSlug = options.appSlug ?? 'egress-lint';
    this.#publicKey =
      typeof options.publicKey === 'string'
        ? createPublicKey(options.publicKey)
        : options.publicKey;
  }

  /** host:port, for GHE_HOST. */
  get host(): string {
    return `127.0.0.1:${this.#port}`;
  }

  get apiUrl(): string {
    return `http://${this.host}${API_PREFIX}`;
  }

  repo(owner: string, name: string): FakeRepo {
    const key = `${owner}/${name}`;
    let repo = this.repos.get(key);
    if (!repo) {
      repo = new FakeRepo(owner, name, 'https://github.test');
      this.repos.set(key, repo);
    }
    return repo;
  }

  /** Accepts this token on repository calls, like a workflow's GITHUB_TOKEN. */
  acceptToken(token: string): void {
    this.#tokens.add(token);
  }

  grantPermission(repo: FakeRepo, login: string, permission: Permission): void {
    repo.permissions.set(login, permission);
  }

  async start(): Promise<void> {
    this.#server = createServer((req, res) => void this.#serve(req, res));
    await new Promise<void>((resolve) => this.#server!.listen(0, '127.0.0.1', resolve));
    this.#port = (this.#server.address() as AddressInfo).port;
  }

  async stop(): Promise<void> {
    const server = this.#server;
    if (!server) return;
    server.closeAllConnections();
    await new Promise<void>((resolve, reject) => server.close((e) => (e ? reject(e) : resolve())));
  }

  /** Requests made while handling one webhook delivery (Probot tags them with the delivery id). */
  requestsFor(delivery: string): RecordedRequest[] {
    return this.requests.filter((r) => r.delivery === delivery);
  }

  async #serve(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const text = Buffer.concat(chunks).toString('utf8');
    const url = (req.url ?? '/').startsWith(API_PREFIX)
      ? (req.url ?? '/').slice(API_PREFIX.length)
      : (req.url ?? '/');
    const headers = Object.fromEntries(
      Object.entries(req.headers).map(([k, v]) => [k, Array.isArray(v) ? v.join(', ') : v]),
    );
    const out = this.handle({
      apiBase: this.apiUrl,
      method: req.method ?? 'GET',
      url,
      headers,
      body: text ? safeJson(text) : undefined,
    });
    const reply = (): void => {
      if (res.destroyed) return;
      res.writeHead(out.status, {
        'content-type': 'application/json; charset=utf-8',
        ...out.headers,
      });
      res.end(out.body === undefined ? '' : JSON.stringify(out.body));
    };
    // A slow GitHub: answer late (a fault sets delayMs).
    if (out.delayMs) setTimeout(reply, out.delayMs).unref();
    else reply();
  }

  /** Answers one API request (path relative to the API root). */
  handle(req: FakeRequest): FakeResponse {
    const parsed = new URL(req.url, 'http://api.invalid');
    const matched = this.openapi.match(req.method, parsed.pathname);
    const record: RecordedRequest = {
      method: req.method.toUpperCase(),
      path: parsed.pathname,
      query: parsed.search,
      operationId: matched?.operationId,
      delivery: req.headers['x-github-delivery'],
      body: req.body,
      status: 0,
      at: Date.now(),
    };
    this.requests.push(record);
    const respond = (r: FakeResponse): FakeResponse => {
      record.status = r.status;
      return r;
    };
    const problems = this.openapi.validate(req.method, req.url, req.body);
    if (problems.length > 0) {
      this.violations.push(...problems);
      return respond({ status: 422, body: { message: `Invalid request: ${problems.join('; ')}` } });
    }
    let fault: FaultResponse | undefined;
    for (const f of this.faults) {
      fault = f({ ...req, operationId: matched?.operationId, path: parsed.pathname });
      if (fault) break;
    }
    if (fault && !fault.performFirst) return respond({ status: 500, ...fault });
    const real = this.#answer(req, parsed, matched!);
    if (!fault) return respond(real);
    const { performFirst: _, ...answer } = fault;
    return respond({
      ...real,
      ...(answer.status ? { headers: {}, body: undefined } : {}),
      ...answer,
    });
  }

  #answer(
    req: FakeRequest,
    parsed: URL,
    matched: { operationId: string; params: Record<string, string> },
  ): FakeResponse {
    try {
      const list = (items: unknown[]): FakeResponse =>
        this.#page(
          `${req.apiBase ?? 'https://api.github.com'}${parsed.pathname}`,
          parsed.searchParams,
          items,
        );
      return this.#route(matched.operationId, matched.params, parsed.searchParams, req, list);
    } catch (e) {
      if (e instanceof HttpError)
        return {
          status: e.status,
          body: { message: e.message, documentation_url: 'https://docs.github.com/rest' },
        };
      throw e;
    }
  }

  #route(
    op: string,
    params: Record<string, string>,
    query: URLSearchParams,
    req: FakeRequest,
    list: (items: unknown[]) => FakeResponse,
  ): FakeResponse {
    if (op === 'apps/create-installation-access-token')
      return this.#issueToken(req, Number(params.installation_id));
    if (op === 'apps/list-installations') {
      this.#requireJwt(req);
      return list([{ id: this.installationId, app_id: this.options.appId, account: null }]);
    }
    this.#requireToken(req);
    if (op === 'apps/list-repos-accessible-to-installation') {
      const repos = [...this.repos.values()].map((r) => ({
        id: r.id,
        name: r.name,
        full_name: r.fullName,
        owner: { login: r.owner },
        html_url: r.htmlUrl,
      }));
      const page = list(repos);
      return { ...page, body: { total_count: repos.length, repositories: page.body } };
    }
    const repo = this.repos.get(`${params.owner}/${params.repo}`);
    if (!repo) throw new HttpError(404, 'Not Found');
    const body = (req.body ?? {}) as Record<string, unknown>;
    switch (op) {
      case 'pulls/get':
        return ok(this.#pullJson(repo, this.#pull(repo, Number(params.pull_number))));
      case 'pulls/list': {
        const state = query.get('state') ?? 'open';
        const pulls = [...repo.pulls.values()].filter((p) => state === 'all' || p.state === state);
        if (query.get('sort') === 'updated') {
          // GitHub's default direction for this sort is ascending.
          const sign = query.get('direction') === 'desc' ? -1 : 1;
          pulls.sort((a, b) => sign * a.updatedAt.localeCompare(b.updatedAt));
        }
        return list(pulls.map((p) => this.#pullJson(repo, p)));
      }
      case 'git/list-matching-refs': {
        // The ref is matched as a prefix, as GitHub does (`heads/gh-readonly-queue/`).
        const refs = [...repo.branches]
          .map(([name, sha]) => ({ ref: `refs/heads/${name}`, sha }))
          .filter((r) => r.ref.startsWith(`refs/${params.ref}`))
          .map((r) => ({
            ref: r.ref,
            node_id: 'R',
            url: '',
            object: { sha: r.sha, type: 'commit', url: '' },
          }));
        return ok(refs);
      }
      case 'pulls/list-files': {
        // GitHub stops at 3,000 files.
        const files = repo
          .changedFiles(this.#pull(repo, Number(params.pull_number)))
          .slice(0, 3000);
        return list(files);
      }
      case 'repos/list-pull-requests-associated-with-commit': {
        // Like GitHub: only pull requests whose head branch is in this repository (not a fork's).
        const pulls = [...repo.pulls.values()].filter(
          (p) => p.headSha === params.commit_sha && p.headRepoId === repo.id,
        );
        return list(pulls.map((p) => this.#pullJson(repo, p)));
      }
      case 'repos/get-content': {
        const tree = this.#commit(repo, query.get('ref') ?? '');
        const sha = tree.get(params.path!);
        if (!sha) throw new HttpError(404, 'Not Found');
        const content = repo.blobs.get(sha)!;
        return ok({
          type: 'file',
          encoding: 'base64',
          size: content.byteLength,
          name: params.path!.split('/').pop(),
          path: params.path,
          sha,
          content: content.toString('base64'),
        });
      }
      case 'git/get-tree':
        return ok(this.#tree(repo, params.tree_sha!, query.get('recursive') !== null));
      case 'git/get-blob': {
        const content = repo.blobs.get(params.file_sha!);
        if (!content) throw new HttpError(404, 'Not Found');
        return ok({
          sha: params.file_sha,
          node_id: 'B',
          size: content.byteLength,
          url: '',
          content: content.toString('base64'),
          encoding: 'base64',
        });
      }
      case 'checks/create': {
        if (!repo.commits.has(String(body.head_sha)))
          throw new HttpError(422, 'No commit found for SHA');
        const run: FakeCheckRun = {
          id: id(),
          name: String(body.name),
          headSha: String(body.head_sha),
          status: 'queued',
          conclusion: null,
          output: {},
          annotations: [],
          calls: [],
        };
        repo.checkRuns.push(run);
        this.#applyCheckRun(run, body);
        return ok(this.#checkRunJson(repo, run), 201);
      }
      case 'checks/list-for-ref': {
        const runs = repo
          .checkRunsFor(params.ref!)
          .filter((r) => !query.get('check_name') || r.name === query.get('check_name'))
          .filter((r) => !query.get('status') || r.status === query.get('status'))
          .reverse() // newest first, as GitHub lists them
          .map((r) => this.#checkRunJson(repo, r));
        const page = list(runs);
        return { ...page, body: { total_count: runs.length, check_runs: page.body } };
      }
      case 'checks/get': {
        const run = repo.checkRuns.find((r) => r.id === Number(params.check_run_id));
        if (!run) throw new HttpError(404, 'Not Found');
        return ok(this.#checkRunJson(repo, run));
      }
      case 'checks/update': {
        const run = repo.checkRuns.find((r) => r.id === Number(params.check_run_id));
        if (!run) throw new HttpError(404, 'Not Found');
        this.#applyCheckRun(run, body);
        return ok(this.#checkRunJson(repo, run));
      }
      case 'issues/list-comments':
        return list(repo.commentsOn(Number(params.issue_number)).map((c) => this.#commentJson(c)));
      case 'issues/create-comment': {
        const comment: FakeComment = {
          id: id(),
          issueNumber: Number(params.issue_number),
          body: String(body.body),
          user: { login: `${this.appSlug}[bot]`, type: 'Bot' },
          appId: this.options.appId,
        };
        if (comment.body.length > 65536)
          throw new HttpError(422, 'Body is too long (maximum is 65536 characters)');
        repo.comments.push(comment);
        return ok(this.#commentJson(comment), 201);
      }
      case 'issues/update-comment': {
        const comment = repo.comments.find((c) => c.id === Number(params.comment_id));
        if (!comment) throw new HttpError(404, 'Not Found');
        if (String(body.body).length > 65536)
          throw new HttpError(422, 'Body is too long (maximum is 65536 characters)');
        comment.body = String(body.body);
        return ok(this.#commentJson(comment));
      }
      case 'reactions/create-for-issue-comment': {
        if (!repo.comments.some((c) => c.id === Number(params.comment_id)))
          throw new HttpError(404, 'Not Found');
        const reaction = {
          commentId: Number(params.comment_id),
          content: String(body.content),
          user: `${this.appSlug}[bot]`,
        };
        // GitHub: "A response with an HTTP 200 status means that you already added the reaction type".
        const same = (r: typeof reaction): boolean =>
          r.commentId === reaction.commentId &&
          r.content === reaction.content &&
          r.user === reaction.user;
        if (repo.reactions.some(same)) return ok({ id: 0, content: body.content }, 200);
        repo.reactions.push(reaction);
        return ok({ id: id(), content: body.content }, 201);
      }
      case 'repos/get-collaborator-permission-level': {
        const role = repo.permissions.get(params.username!);
        if (!role || role === 'none') throw new HttpError(404, `${params.username} is not a user`);
        // The legacy `permission` folds maintain into write and triage into read.
        const permission = role === 'maintain' ? 'write' : role === 'triage' ? 'read' : role;
        return ok({ permission, role_name: role, user: { login: params.username, type: 'User' } });
      }
      default:
        throw new HttpError(404, `not implemented in the double: ${op}`);
    }
  }

  #issueToken(req: FakeRequest, installationId: number): FakeResponse {
    this.#requireJwt(req);
    if (installationId !== this.installationId) throw new HttpError(404, 'Not Found');
    const token = `ghs_${randomUUID().replace(/-/g, '')}`;
    this.#tokens.add(token);
    return ok(
      {
        token,
        expires_at: new Date(Date.now() + 3600_000).toISOString(),
        permissions: { checks: 'write' },
        repository_selection: 'all',
      },
      201,
    );
  }

  /** The request is authenticated as the app: a JWT signed with its key, for its id, not expired. */
  #requireJwt(req: FakeRequest): void {
    const auth = req.headers.authorization ?? '';
    const jwt = auth.replace(/^bearer\s+/i, '');
    const [header, payload, signature] = jwt.split('.');
    if (!header || !payload || !signature)
      throw new HttpError(401, 'A JSON web token could not be decoded');
    const valid = verify(
      'RSA-SHA256',
      Buffer.from(`${header}.${payload}`),
      this.#publicKey,
      Buffer.from(signature, 'base64url'),
    );
    const claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as {
      iss?: string | number;
      exp?: number;
    };
    if (
      !valid ||
      String(claims.iss) !== String(this.options.appId) ||
      !claims.exp ||
      claims.exp * 1000 < Date.now()
    ) {
      throw new HttpError(401, 'A JSON web token could not be decoded');
    }
  }

  #requireToken(req: FakeRequest): void {
    const token = (req.headers.authorization ?? '').replace(/^token\s+/i, '');
    if (!this.#tokens.has(token)) throw new HttpError(401, 'Bad credentials');
  }

  #pull(repo: FakeRepo, number: number): FakePull {
    const pull = repo.pulls.get(number);
    if (!pull) throw new HttpError(404, 'Not Found');
    return pull;
  }

  #commit(repo: FakeRepo, sha: string): Map<string, string> {
    const tree = repo.commits.get(sha);
    if (!tree) throw new HttpError(404, 'No commit found for the ref');
    return tree;
  }

  /** A commit's tree (recursive: every entry; else one directory level, dir ids listable in turn). */
  #tree(repo: FakeRepo, sha: string, recursive: boolean): unknown {
    const dirTree = repo.dirTrees.get(sha);
    const commit = dirTree?.commit ?? sha;
    const prefix = dirTree ? `${dirTree.dir}/` : '';
    const files = [...this.#commit(repo, commit)].filter(([p]) => p.startsWith(prefix));
    const entries: Record<string, unknown>[] = [];
    const dirs = new Set<string>();
    for (const [path, blob] of files) {
      const rest = path.slice(prefix.length);
      const parts = rest.split('/');
      for (let i = 1; i < parts.length; i++) dirs.add(parts.slice(0, i).join('/'));
      if (recursive || parts.length === 1)
        entries.push({
          path: rest,
          mode: '100644',
          type: 'blob',
          sha: blob,
          size: repo.blobs.get(blob)!.byteLength,
        });
    }
    for (const dir of dirs) {
      if (!recursive && dir.includes('/')) continue;
      const dirSha = createHash('sha1').update(`${commit}:${prefix}${dir}`).digest('hex');
      repo.dirTrees.set(dirSha, { commit, dir: `${prefix}${dir}` });
      entries.push({ path: dir, mode: '040000', type: 'tree', sha: dirSha });
    }
    entries.sort((a, b) => (String(a.path) < String(b.path) ? -1 : 1));
    const max = this.options.maxTreeEntries ?? 100_000;
    const truncated = recursive && entries.length > max;
    return { sha, url: '', truncated, tree: truncated ? entries.slice(0, max) : entries };
  }

  #applyCheckRun(run: FakeCheckRun, body: Record<string, unknown>): void {
    run.calls.push(body);
    if (typeof body.status === 'string') run.status = body.status;
    if (typeof body.conclusion === 'string') {
      run.conclusion = body.conclusion;
      run.status = 'completed';
    }
    if (typeof body.external_id === 'string') run.externalId = body.external_id;
    if (typeof body.started_at === 'string') run.startedAt = body.started_at;
    const output = body.output as
      | { title?: string; summary?: string; text?: string; annotations?: Record<string, unknown>[] }
      | undefined;
    if (output) {
      const { annotations, ...rest } = output;
      run.output = { ...run.output, ...rest };
      if (annotations) run.annotations.push(...annotations);
    }
  }

  #checkRunJson(repo: FakeRepo, run: FakeCheckRun): unknown {
    return {
      id: run.id,
      name: run.name,
      head_sha: run.headSha,
      status: run.status,
      conclusion: run.conclusion,
      external_id: run.externalId ?? null,
      started_at: run.startedAt ?? null,
      html_url: `${repo.htmlUrl}/runs/${run.id}`,
      app: { id: this.options.appId, slug: this.appSlug, name: this.appSlug },
      output: { ...run.output, annotations_count: run.annotations.length },
    };
  }

  #commentJson(c: FakeComment): unknown {
    return {
      id: c.id,
      body: c.body,
      user: { login: c.user.login, type: c.user.type },
      performed_via_github_app: c.appId ? { id: c.appId, slug: this.appSlug } : null,
    };
  }

  #pullJson(repo: FakeRepo, p: FakePull): unknown {
    return {
      number: p.number,
      state: p.state,
      updated_at: p.updatedAt,
      html_url: `${repo.htmlUrl}/pull/${p.number}`,
      head: {
        sha: p.headSha,
        ref: p.headRef,
        repo: { id: p.headRepoId, full_name: p.headRepoFullName },
      },
      base: { sha: p.baseSha, ref: p.baseRef, repo: { id: repo.id, full_name: repo.fullName } },
    };
  }

  /** One page of a list, with GitHub's Link header. */
  #page(listUrl: string, query: URLSearchParams, items: unknown[]): FakeResponse {
    const perPage = Math.min(Number(query.get('per_page') ?? 30), 100);
    const page = Number(query.get('page') ?? 1);
    const last = Math.max(1, Math.ceil(items.length / perPage));
    const headers: Record<string, string> = {};
    if (page < last) {
      const link = (n: number): string => {
        const q = new URLSearchParams(query);
        q.set('page', String(n));
        return `<${listUrl}?${q.toString()}>`;
      };
      headers.link = `${link(page + 1)}; rel="next", ${link(last)}; rel="last"`;
    }
    return { status: 200, headers, body: items.slice((page - 1) * perPage, page * perPage) };
  }
}

function ok(body: unknown, status = 200): FakeResponse {
  return { status, body };
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}
