// The compiled router: every sub-route in Kong's evaluation order, indexed so a request only
// looks at routes that could match its host or a prefix of its path.
//
// Design: a route whose hosts are all plain names is filed under each of those names; every
// other route goes to a shared bucket. Inside a bucket, prefix-path routes sit in a character
// trie at their prefix, and regex or path-less routes in a list. A lookup walks the trie along
// the request path, so its cost follows the path length and the candidates, not the route count.
// Each list is in rank order, so a scan stops at the first hit or once it passes the best rank.
import type { RouteRow } from '../config.js';
import { compareSubRoutes, splitRoute } from './priority.js';
import { compileMatcher, splitHostPort, test } from './matcher.js';
import type { Matcher, RouterRequest } from './matcher.js';

interface TrieNode { next: Map<number, TrieNode> | null; here: Matcher[] | null }
interface Bucket { root: TrieNode; always: Matcher[] }

export interface RouteMatch {
  route: RouteRow;
  /** Id of the (sub-)route that matched. */
  matchId: string;
  /** Characters of the normalised path the route's path matched; null for a route without paths. */
  consumed: number | null;
}

const newBucket = (): Bucket => ({ root: { next: null, here: null }, always: [] });

function insert(bucket: Bucket, m: Matcher): void {
  if (!m.prefixes) {
    bucket.always.push(m);
    return;
  }
  for (const p of new Set(m.prefixes)) {
    let node = bucket.root;
    for (let i = 0; i < p.length; i++) {
      const c = p.charCodeAt(i);
      node.next ??= new Map();
      let child = node.next.get(c);
      if (!child) node.next.set(c, (child = { next: null, here: null }));
      node = child;
    }
    (node.here ??= []).push(m);
  }
}

export class Router {
  readonly size: number;
  readonly #byHost = new Map<string, Bucket>();
  readonly #shared = newBucket();

  /** Routes that could not be compiled (e.g. a regex JavaScript cannot parse), with the reason. */
  readonly skipped: { id: string; error: string }[] = [];

  constructor(routes: RouteRow[]) {
    const subs = routes.flatMap(splitRoute).sort(compareSubRoutes);
    this.size = subs.length;
    subs.forEach((sub, rank) => {
      let m: Matcher;
      try {
        m = compileMatcher(sub, rank);
      } catch (err) {
        // One bad route must not take the whole config down with it.
        this.skipped.push({ id: sub.route.id, error: (err as Error).message });
        return;
      }
      const plain = m.hosts && m.hosts.every((h) => h.kind === 0);
      if (!plain) return insert(this.#shared, m);
      for (const host of new Set(m.route.hosts!.map((h) => splitHostPort(h)[0]))) {
        let b = this.#byHost.get(host);
        if (!b) this.#byHost.set(host, (b = newBucket()));
        insert(b, m);
      }
    });
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
