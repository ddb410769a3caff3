/**
 * Workload policies (AuthorizationPolicy) looked up by the workload they may apply to: a policy
 * applies from its own namespace or the root namespace (policyAppliesTo), and a selector that picks
 * a workload shares every one of its label pairs with it, so the workload's own pairs find every
 * candidate. A lookup costs what the workload's namespaces hold for it, not every policy: ten
 * thousand gateway workloads asked about a thousand policies was the simulator's quadratic part.
 */
import type { Resource } from '../resource.js';
import { LabelPairIndex } from './label-index.js';
import { policyAppliesTo, workloadSelectorOf, type Workload } from './workloads.js';

/** The policies of one namespace: without a selector (every workload), by selector pair, by selector key. */
interface NamespacePolicies {
  everyWorkload: Resource[];
  bySelector: LabelPairIndex<Resource>;
  byKey: Map<string, Resource[]>;
}

export class WorkloadPolicyIndex {
  readonly #byNamespace = new Map<string, NamespacePolicies>();
  readonly #position = new Map<Resource, number>();
  readonly #rootNamespace: string;

  constructor(policies: readonly Resource[], rootNamespace: string) {
    this.#rootNamespace = rootNamespace;
    for (const p of policies) {
      this.#position.set(p, this.#position.size);
      const here = this.#namespace(p.namespace);
      const selector = workloadSelectorOf(p);
      // An empty selector, like none, selects every workload (matchesSelector).
      if (!selector || Object.keys(selector).length === 0) here.everyWorkload.push(p);
      else here.bySelector.add(p, selector);
      for (const key of Object.keys(selector ?? {})) {
        const list = here.byKey.get(key);
        if (list) list.push(p);
        else here.byKey.set(key, [p]);
      }
    }
  }

  /** The policies that apply to the workload (policyAppliesTo), in the order given. */
  applyingTo(workload: Workload): Resource[] {
    const candidates = this.#namespacesOf(workload).flatMap((ns) => [
      ...ns.everyWorkload,
      ...ns.bySelector.sharing(workload.labels),
    ]);
    return this.#inOrder(
      candidates.filter((p) => policyAppliesTo(p, workload, this.#rootNamespace)),
    );
  }

  /**
   * The policies of the workload's namespace and the root namespace whose selector names `key`, in
   * the order given: those a selector on the gateway label may have meant for these pods.
   */
  selectingKey(workload: Workload, key: string): Resource[] {
    const lists = this.#namespacesOf(workload).flatMap((ns) => {
      const list = ns.byKey.get(key);
      return list ? [list] : [];
    });
    // One namespace's list is in the order given already.
    return lists.length === 1 ? [...lists[0]!] : this.#inOrder(lists.flat());
  }

  #namespace(name: string): NamespacePolicies {
    let here = this.#byNamespace.get(name);
    if (!here) {
      here = { everyWorkload: [], bySelector: new LabelPairIndex(), byKey: new Map() };
      this.#byNamespace.set(name, here);
    }
    return here;
  }

  #namespacesOf(workload: Workload): NamespacePolicies[] {
    const names = new Set([workload.namespace, this.#rootNamespace]);
    return [...names].flatMap((n) => this.#byNamespace.get(n) ?? []);
  }

  #inOrder(policies: Resource[]): Resource[] {
    return [...new Set(policies)].sort((a, b) => this.#position.get(a)! - this.#position.get(b)!);
  }
}

const indexes = new WeakMap<readonly Resource[], Map<string, WorkloadPolicyIndex>>();

/** The index of a never changed list of policies (the Istio index's AuthorizationPolicies), built once. */
export function workloadPolicyIndexOf(
  policies: readonly Resource[],
  rootNamespace: string,
): WorkloadPolicyIndex {
  let byRoot = indexes.get(policies);
  if (!byRoot) indexes.set(policies, (byRoot = new Map()));
  let index = byRoot.get(rootNamespace);
  if (!index) byRoot.set(rootNamespace, (index = new WorkloadPolicyIndex(policies, rootNamespace)));
  return index;
}
