// The compiled router: every sub-route in Kong's evaluation order, indexed so a request only
// looks at routes that could match its host or a prefix of its path.
//
// Design: a route whose hosts are all plain names is filed under each of those names; every
// other route goes to a shared bucket. Inside a bucket, prefix-path routes sit in a character
// trie at their prefix, and regex or path-less routes in a list. A lookup walks the trie along
// the request path, so its cost follows the path length and the candidates, not the route count.
// Each list is in rank order, so a scan stops at the first hit or once it passes the best rank.
import type { RouteRow } from '../config.js';
import { compareSubRoutes, splitRoute, type SubRoute } from './priority.js';
import { compileMatcher, splitHostPort, test } from './matcher.js';
import type { Matcher, RouterRequest } from './matcher.js';
import { bucketEmpty, insert, newBucket, remove, type Bucket, type TrieNode } from './buckets.js';

export interface RouteMatch {
  route: RouteRow;
  /** Id of the (sub-)route that matched. */
  matchId: string;
  /** Characters of the normalised path the route's path matched; null for a route without paths. */
  consumed: number | null;
}

// Ranks leave room between neighbours, so a sub-route added later gets one in between without
// renumbering the rest; only when a gap runs out is everything renumbered (order kept).
const GAP = 1024;

export class Router {
  readonly #byHost = new Map<string, Bucket>();
  readonly #shared = newBucket();
  /** Every compiled sub-route in evaluation order. */
  readonly #order: Matcher[] = [];
  readonly #byRoute = new Map<string, Matcher[]>();
  readonly #skipped = new Map<string, string>();

  constructor(routes: RouteRow[]) {
    const subs = routes.flatMap(splitRoute).sort(compareSubRoutes);
    subs.forEach((sub, i) => {
      const m = this.#compile(sub, i * GAP);
      if (m) this.#file(m, this.#order.length);
    });
  }

  /** Sub-routes served (a route with paths of several kinds counts once per kind). */
  get size(): number {
    return this.#order.length + this.#skipped.size;
  }

  /** Routes that could not be compiled (e.g. a regex JavaScript cannot parse), with the reason. */
  get skipped(): { id: string; error: string }[] {
    return [...this.#skipped].map(([id, error]) => ({ id, error }));
  }

  /**
   * Takes the routes named in `removed` out and files `added` in their places, as a router built
   * from the resulting list would order them. Done in place: a request matches synchronously at its
   * start, so none sees a half-updated router. Returns the added routes that could not be compiled.
   */
  update(removed: Iterable<string>, added: readonly RouteRow[]): { id: string; error: string }[] {
    for (const id of removed) {
      this.#skipped.delete(id);
      for (const m of this.#byRoute.get(id) ?? []) this.#unfile(m);
      this.#byRoute.delete(id);
    }
    const failed: { id: string; error: string }[] = [];
    for (const route of added) {
      for (const sub of splitRoute(route)) {
        const at = this.#position(sub);
        const m = this.#compile(sub, this.#rankAt(at));
        if (m) this.#file(m, at);
        else failed.push({ id: route.id, error: this.#skipped.get(route.id)! });
      }
    }
    return failed;
  }

  match(req: RouterRequest): RouteMatch | null {
    const state = { best: null as Matcher | null, consumed: 0 };
    const hostBucket = this.#byHost.get(req.host);
    if (hostBucket) search(hostBucket, req, state);
    search(this.#shared, req, state);
    const best = state.best;
    if (!best) return null;
    return { route: best.route, matchId: best.sub.id, consumed: best.sub.paths ? state.consumed : null };
  }

  #compile(sub: SubRoute, rank: number): Matcher | null {
    try {
      return compileMatcher(sub, rank);
    } catch (err) {
      // One bad route must not take the whole config down with it.
      this.#skipped.set(sub.route.id, (err as Error).message);
      return null;
    }
  }

  /** Where `sub` goes in evaluation order (binary search). */
  #position(sub: SubRoute): number {
    let lo = 0;
    let hi = this.#order.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (compareSubRoutes(this.#order[mid]!.sub, sub) < 0) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /** A rank strictly between the neighbours of position `at`, renumbering when there is none. */
  #rankAt(at: number): number {
    const before = at > 0 ? this.#order[at - 1]!.rank : -GAP;
    const after = at < this.#order.length ? this.#order[at]!.rank : before + 2 * GAP;
    const rank = Math.floor((before + after) / 2);
    if (rank > before && rank < after) return rank;
    this.#order.forEach((m, i) => (m.rank = i * GAP));
    return this.#rankAt(at);
  }

  #file(m: Matcher, at: number): void {
    this.#order.splice(at, 0, m);
    const mine = this.#byRoute.get(m.route.id);
    if (mine) mine.push(m);
    else this.#byRoute.set(m.route.id, [m]);
    const hosts = plainHosts(m);
    if (!hosts) return insert(this.#shared, m);
    for (const host of hosts) {
      let b = this.#byHost.get(host);
      if (!b) this.#byHost.set(host, (b = newBucket()));
      insert(b, m);
    }
  }

  #unfile(m: Matcher): void {
    // #order is in rank order: find m by its rank.
    let lo = 0;
    let hi = this.#order.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.#order[mid]!.rank < m.rank) lo = mid + 1;
      else hi = mid;
    }
    if (this.#order[lo] === m) this.#order.splice(lo, 1);
    const hosts = plainHosts(m);
    if (!hosts) return remove(this.#shared, m);
    for (const host of hosts) {
      const b = this.#byHost.get(host);
      if (!b) continue;
      remove(b, m);
      if (bucketEmpty(b)) this.#byHost.delete(host);
    }
  }
}

/** The host names a route whose hosts are all plain is filed under; null: the shared bucket. */
function plainHosts(m: Matcher): Set<string> | null {
  const plain = m.hosts && m.hosts.every((h) => h.kind === 0);
  return plain ? new Set(m.route.hosts!.map((h) => splitHostPort(h)[0])) : null;
}

interface State { best: Matcher | null; consumed: number }

function scan(list: Matcher[], req: RouterRequest, st: State): void {
  for (const m of list) {
    if (st.best && m.rank >= st.best.rank) return;
    const consumed = test(m, req);
    if (consumed >= 0) {
      st.best = m;
      st.consumed = consumed;
      return;
    }
  }
}

function search(b: Bucket, req: RouterRequest, st: State): void {
  const path = req.path;
  let node: TrieNode | undefined = b.root;
  for (let i = 0; node; i++) {
    if (node.here) scan(node.here, req, st);
    if (i >= path.length || !node.next) break;
    node = node.next.get(path.charCodeAt(i));
  }
  if (b.always.length) scan(b.always, req, st);
}
