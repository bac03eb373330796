// Where the router files its compiled sub-routes: per plain host name a bucket, plus one shared
// bucket; inside a bucket, prefix routes sit in a character trie at their prefix and the others in
// a list. Every list is kept in rank order, so a scan can stop at the first hit. Removal prunes
// the trie, so a configuration that keeps changing its paths does not grow the trie forever.
import type { Matcher } from './matcher.js';

export interface TrieNode { next: Map<number, TrieNode> | null; here: Matcher[] | null }
export interface Bucket { root: TrieNode; always: Matcher[] }

export const newBucket = (): Bucket => ({ root: { next: null, here: null }, always: [] });

export const bucketEmpty = (b: Bucket): boolean => b.always.length === 0 && b.root.next === null && b.root.here === null;

/** Index of the first matcher ranked after `rank` (lists hold distinct ranks). */
function rankIndex(list: Matcher[], rank: number): number {
  let lo = 0;
  let hi = list.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (list[mid]!.rank < rank) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Adds `m` in rank order; building from a sorted list appends, which this does in O(1). */
function addRanked(list: Matcher[], m: Matcher): void {
  const last = list[list.length - 1];
  if (!last || last.rank < m.rank) list.push(m);
  else list.splice(rankIndex(list, m.rank), 0, m);
}

function dropFrom(list: Matcher[], m: Matcher): void {
  const i = list.indexOf(m);
  if (i >= 0) list.splice(i, 1);
}

export function insert(bucket: Bucket, m: Matcher): void {
  if (!m.prefixes) return addRanked(bucket.always, m);
  for (const p of new Set(m.prefixes)) {
    let node = bucket.root;
    for (let i = 0; i < p.length; i++) {
      const c = p.charCodeAt(i);
      node.next ??= new Map();
      let child = node.next.get(c);
      if (!child) node.next.set(c, (child = { next: null, here: null }));
      node = child;
    }
    addRanked((node.here ??= []), m);
  }
}

export function remove(bucket: Bucket, m: Matcher): void {
  if (!m.prefixes) return dropFrom(bucket.always, m);
  for (const p of new Set(m.prefixes)) {
    const path: TrieNode[] = [bucket.root];
    let node: TrieNode | undefined = bucket.root;
    for (let i = 0; i < p.length && node; i++) path.push((node = node.next?.get(p.charCodeAt(i))) as TrieNode);
    if (!node) continue;
    if (node.here) {
      dropFrom(node.here, m);
      if (node.here.length === 0) node.here = null;
    }
    // Unlink nodes that hold nothing and lead nowhere, from the leaf up.
    for (let i = p.length; i > 0; i--) {
      const n = path[i]!;
      if (n.here || n.next) break;
      const parent = path[i - 1]!;
      parent.next!.delete(p.charCodeAt(i - 1));
      if (parent.next!.size === 0) parent.next = null;
    }
  }
}
