/** Maps a path in the parsed document back to a line and column in the source text. */
import { isMap, isPair, isScalar, isSeq, type Document, type LineCounter, type Node } from 'yaml';
import type { Issue, Path } from './shape';

export interface Position {
  readonly line: number;
  readonly column: number;
}

/** The position an issue should point at: its key, its value, or (for a missing key) the parent object. */
export function locate(doc: Document, lines: LineCounter, issue: Issue): Position | undefined {
  let node: unknown = doc.contents;
  let keyNode: unknown;
  let deepest: unknown = node;
  const { path } = issue;
  const stop = issue.at === 'parent' ? path.length - 1 : path.length;
  for (let i = 0; i < stop; i++) {
    const step = child(node, path[i]);
    if (!step) break;
    [node, keyNode] = [step.value, step.key];
    deepest = i === stop - 1 && issue.at === 'key' ? keyNode : (node ?? keyNode);
    if (i === stop - 1 && issue.at === 'key') break;
  }
  const offset = rangeStart(deepest);
  return offset === undefined ? undefined : toPosition(lines, offset);
}

function child(
  node: unknown,
  segment: Path[number] | undefined,
): { key: unknown; value: unknown } | undefined {
  if (segment === undefined) return undefined;
  if (isMap(node)) {
    const pair = node.items.find(
      (item) => isPair(item) && (isScalar(item.key) ? item.key.value : item.key) === segment,
    );
    return pair ? { key: pair.key, value: pair.value ?? pair.key } : undefined;
  }
  if (isSeq(node) && typeof segment === 'number') {
    const item: unknown = node.items[segment];
    return item === undefined ? undefined : { key: item, value: item };
  }
  return undefined;
}

function rangeStart(node: unknown): number | undefined {
  const range = (node as Node | undefined)?.range;
  return Array.isArray(range) ? range[0] : undefined;
}

export function toPosition(lines: LineCounter, offset: number): Position {
  const { line, col } = lines.linePos(offset);
  return { line, column: col };
}
