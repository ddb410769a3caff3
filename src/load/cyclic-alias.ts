/**
 * An alias inside the very node its anchor names (`ports: &A {number: *A}`) makes the document a
 * cyclic object once expanded, which no Kubernetes object can be and which every later stage would
 * walk forever or fail to print. Anchors must come before their aliases, so any cycle has an alias
 * inside its own anchor's node: checking that containment on the syntax tree finds them all.
 */
import { isAlias, visit, type Alias, type Document } from 'yaml';

/** The first alias that points into an enclosing node of its own anchor, if any. */
export function findCyclicAlias(doc: Document): Alias | undefined {
  let found: Alias | undefined;
  visit(doc, {
    Alias(_, node) {
      const target = node.resolve(doc);
      const [from, to] = [node.range?.[0], target?.range?.[2]];
      if (target && !isAlias(target) && from !== undefined && to !== undefined) {
        if (target.range![0] <= from && from < to) {
          found = node;
          return visit.BREAK;
        }
      }
      return undefined;
    },
  });
  return found;
}

export function cyclicAliasMessage(alias: Alias): string {
  return `alias *${alias.source} refers to the node its own anchor &${alias.source} is on, which makes the value infinitely deep; this document was not checked`;
}
