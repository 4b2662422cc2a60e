/**
 * The step graph: steps are nodes, `dependsOn` are edges. Pure functions the validator and the
 * orchestrator share. Dependencies on unknown ids are ignored here (the validator reports them).
 */
export interface GraphNode {
  readonly id: string;
  readonly dependsOn?: readonly string[];
}

/** Every distinct cycle as ids in dependsOn direction, closed: [a, b, c, a] means a depends on b ... */
export function findCycles(nodes: readonly GraphNode[]): string[][] {
  const byId = new Map(nodes.map((node) => [node.id, node]));
  const order = new Map(nodes.map((node, index) => [node.id, index]));
  const state = new Map<string, 'active' | 'done'>();
  const stack: string[] = [];
  const cycles = new Map<string, string[]>();

  const visit = (id: string): void => {
    state.set(id, 'active');
    stack.push(id);
    for (const dep of byId.get(id)?.dependsOn ?? []) {
      if (!byId.has(dep)) continue;
      if (state.get(dep) === 'active') {
        const loop = stack.slice(stack.lastIndexOf(dep));
        // Start at the step declared first, so the same cycle always prints the same way.
        const first = loop.reduce((a, b) => ((order.get(b) ?? 0) < (order.get(a) ?? 0) ? b : a));
        const at = loop.indexOf(first);
        const rotated = [...loop.slice(at), ...loop.slice(0, at)];
        cycles.set(rotated.join('\u0000'), [...rotated, first]);
      } else if (state.get(dep) === undefined) visit(dep);
    }
    stack.pop();
    state.set(id, 'done');
  };
  for (const node of nodes) if (state.get(node.id) === undefined) visit(node.id);
  return [...cycles.values()].sort((a, b) => (order.get(a[0] ?? '') ?? 0) - (order.get(b[0] ?? '') ?? 0));
}

export class CycleError extends Error {
  readonly code = 'PIPELINE_CYCLE';
  constructor(readonly cycle: readonly string[]) {
    super(`dependsOn forms a cycle: ${cycle.join(' -> ')}`);
    this.name = 'CycleError';
  }
}

/**
 * Steps grouped in levels: level 0 has no dependencies, level n depends only on earlier levels.
 * Within a level, declaration order. Throws CycleError on a cycle.
 */
export function topologicalLevels(nodes: readonly GraphNode[]): string[][] {
  const known = new Set(nodes.map((node) => node.id));
  const level = new Map<string, number>();
  const levels: string[][] = [];
  let remaining = [...nodes];
  while (remaining.length > 0) {
    const ready = remaining.filter((node) =>
      (node.dependsOn ?? []).every((dep) => !known.has(dep) || level.has(dep)),
    );
    if (ready.length === 0) throw new CycleError(findCycles(remaining)[0] ?? remaining.map((n) => n.id));
    const index = levels.length;
    for (const node of ready) level.set(node.id, index);
    levels.push(ready.map((node) => node.id));
    remaining = remaining.filter((node) => !level.has(node.id));
  }
  return levels;
}

/** A dependency-respecting order: levels flattened. */
export function topologicalOrder(nodes: readonly GraphNode[]): string[] {
  return topologicalLevels(nodes).flat();
}

/** Steps that depend directly on `id`, in declaration order. */
export function dependentsOf(nodes: readonly GraphNode[], id: string): string[] {
  return nodes.filter((node) => (node.dependsOn ?? []).includes(id)).map((node) => node.id);
}

/** Steps with no dependencies: they read the source image. */
export function rootSteps(nodes: readonly GraphNode[]): string[] {
  return nodes.filter((node) => (node.dependsOn ?? []).length === 0).map((node) => node.id);
}

/** Steps nothing depends on: their outputs are an image's results (and finalize's inputs). */
export function leafSteps(nodes: readonly GraphNode[]): string[] {
  const used = new Set(nodes.flatMap((node) => node.dependsOn ?? []));
  return nodes.filter((node) => !used.has(node.id)).map((node) => node.id);
}
