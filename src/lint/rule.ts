/**
 * What a rule is: metadata beside its logic, the way ESLint rule modules and Istio analyzers read.
 * Rules live one per file under rules/, each with a docs page rules/<id>.md and tests rules/<id>.test.ts.
 */
import type { ProjectConfig } from '../config/project-config.js';
import type { ConfigSet } from '../model/config-set.js';
import type { FieldPath } from '../model/field-path.js';
import type { Severity } from '../model/finding.js';
import type { IstioIndex } from '../model/istio.js';
import type { MeshSettings } from '../model/mesh.js';
import type { Resource } from '../model/resource.js';
import type { PortAllocation } from '../render/ports.js';

export interface RuleMeta {
  /** kebab-case, a contract: users put it in configs and suppressions. */
  id: string;
  /** Default severity; the config file can override it or turn the rule off. */
  severity: Severity;
  /** One line: what the rule finds. */
  description: string;
  /** Kinds the rule reads (e.g. 'ASMEgressTrafficPolicy', 'AuthorizationPolicy'). */
  kinds: readonly string[];
  /**
   * Where its findings come from: most rules check the config set ('rules'); yaml-syntax, schema and
   * render describe findings made by the pipeline stages of the same names.
   */
  stage?: 'load' | 'schema' | 'render' | 'rules';
}

export interface ReportInput {
  /** The resource at fault. For a rendered resource the finding is placed at the policy line that produced it. */
  resource: Resource;
  /** Field path inside the resource; the finding points at it (or its nearest existing ancestor). */
  path?: FieldPath;
  message: string;
  /** Overrides the rule's default severity for this finding (the config file still wins). */
  severity?: Severity;
}

export interface RuleContext {
  readonly configSet: ConfigSet;
  /** Resources rendered from the policies, linked back to their source fields. */
  readonly rendered: readonly Resource[];
  /** Effective egress gateway port of every destination, written or allocated (as the renderer used them). */
  readonly allocation: PortAllocation;
  /** Hand-written and rendered Istio resources, with Istio's lookup rules. */
  readonly index: IstioIndex;
  readonly mesh: MeshSettings;
  readonly config: ProjectConfig;
  report(input: ReportInput): void;
}

export interface Rule {
  meta: RuleMeta;
  /** Absent for stage rules, whose findings the pipeline makes. */
  check?(ctx: RuleContext): void;
}

export function defineRule(rule: Rule): Rule {
  return rule;
}
