/**
 * The App's GitHub layer as the Action uses it, with the workflow's GITHUB_TOKEN:
 * - commits are read from the checkout when it has them (see checkout.ts), else through the API;
 * - when the token may not create check runs (a fork's pull request gets a read-only token), the
 *   check run's annotations become workflow commands and its title and summary go to the job
 *   summary, so the findings still land on the lines of the Files changed tab.
 */
import type { ProbotOctokit } from 'probot';
import { formatCheckAnnotation } from '../report/github.js';
import type { CheckRunAnnotation } from '../report/check-run.js';
import {
  GitHubApi,
  statusOf,
  type CheckRunCreate,
  type CheckRunCreated,
  type CheckRunUpdate,
  type RepoRef,
  type TreeFile,
  type WriteOptions,
} from '../app/github.js';
import type { Checkout } from './checkout.js';

export interface ActionOutput {
  /** One line on the job log (workflow commands included). */
  log(line: string): void;
  /** Markdown for the job summary page. */
  summary(markdown: string): void;
}

export class ActionGitHubApi extends GitHubApi {
  /** True once GitHub refused to create our check run (HTTP 403). */
  checksForbidden = false;
  readonly #checkout: Checkout | undefined;
  readonly #out: ActionOutput;

  constructor(
    octokit: ProbotOctokit,
    repo: RepoRef,
    checkout: Checkout | undefined,
    out: ActionOutput,
  ) {
    super(octokit, repo);
    this.#checkout = checkout;
    this.#out = out;
  }

  override async listTree(
    treeish: string,
    recursive: boolean,
  ): Promise<{ files: TreeFile[]; dirs: { path: string; sha: string }[]; truncated: boolean }> {
    if (recursive && (await this.#checkout?.hasCommit(treeish)))
      return { files: await this.#checkout!.files(treeish), dirs: [], truncated: false };
    return super.listTree(treeish, recursive);
  }

  override async getBlob(sha: string): Promise<Uint8Array> {
    return (await this.#checkout?.blob(sha)) ?? super.getBlob(sha);
  }

  override async getFileText(
    path: string,
    ref: string,
  ): Promise<{ text: string; sha: string } | undefined> {
    if (await this.#checkout?.hasCommit(ref)) return this.#checkout!.fileText(path, ref);
    return super.getFileText(path, ref);
  }

  override async treeHasFile(path: string, commit: string): Promise<boolean> {
    if (await this.#checkout?.hasCommit(commit))
      return (await this.#checkout!.fileText(path, commit)) !== undefined;
    return super.treeHasFile(path, commit);
  }

  override async createCheckRun(
    body: Omit<CheckRunCreate, 'owner' | 'repo'>,
  ): Promise<CheckRunCreated> {
    try {
      return await super.createCheckRun(body);
    } catch (e) {
      if (statusOf(e) !== 403) throw e;
      this.checksForbidden = true;
      this.#out.log(
        '::warning title=egress-lint::This token may not create check runs (it needs `checks: write`; ' +
          "a fork's pull request gets a read-only token), so the findings are reported as annotations " +
          'of this job instead.',
      );
      return { id: 0, htmlUrl: '' };
    }
  }

  override async updateCheckRun(
    id: number,
    body: CheckRunUpdate,
    options: WriteOptions = {},
  ): Promise<void> {
    if (!this.checksForbidden) return super.updateCheckRun(id, body, options);
    const output = body.output as
      { title?: string; summary?: string; annotations?: CheckRunAnnotation[] } | undefined;
    for (const a of output?.annotations ?? []) this.#out.log(formatCheckAnnotation(a));
    if (body.conclusion && output?.title)
      this.#out.summary(`## egress-lint: ${output.title}\n\n${output.summary ?? ''}\n`);
  }
}
