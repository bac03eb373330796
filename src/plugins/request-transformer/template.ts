// request-transformer's value templates (Kong renders them with penlight: `$(lua expression)`).
// hybridctl never evaluates code: it parses a small, side-effect-free subset of Lua expressions
// once, at config time, and interprets that tree per request. Anything outside the subset is
// refused by the schema, so a config Kong would run is never served half-rendered.

/** The read-only environment a template sees (Kong's template_env, loaded lazily). */
export interface TemplateEnv {
  headers(): Record<string, unknown>;
  query_params(): Record<string, unknown>;
  uri_captures(): Record<string, unknown>;
  shared(): Record<string, unknown>;
}

type Expr =
  | { k: 'lit'; v: unknown }
  | { k: 'root'; name: keyof TemplateEnv }
  | { k: 'index'; base: Expr; key: Expr }
  | { k: 'type'; arg: Expr }
  | { k: 'not'; arg: Expr }
  | { k: 'bin'; op: 'or' | 'and' | '==' | '~=' | '..'; l: Expr; r: Expr };

/** Literal text and expressions, in order. */
export type Template = readonly (string | Expr)[];

const ROOTS = new Set(['headers', 'query_params', 'uri_captures', 'shared']);
const SUBSET = "hybridctl templates support headers, query_params, uri_captures and shared lookups, string and number literals, nil/true/false, 'or', 'and', 'not', '==', '~=', '..' and type()";

export class TemplateError extends Error {}

type Tok = { t: 'name' | 'str' | 'num' | 'op'; v: string };

function tokenize(src: string): Tok[] {
  const out: Tok[] = [];
  let i = 0;
  while (i < src.length) {
    const c = src[i]!;
    if (/\s/.test(c)) { i++; continue; }
    if (/[A-Za-z_]/.test(c)) {
      const m = /^[A-Za-z_][A-Za-z0-9_]*/.exec(src.slice(i))![0];
      out.push({ t: 'name', v: m });
      i += m.length;
      continue;
    }
    if (/[0-9]/.test(c)) {
      const m = /^[0-9]+(\.[0-9]+)?/.exec(src.slice(i))![0];
      out.push({ t: 'num', v: m });
      i += m.length;
      continue;
    }
    if (c === '"' || c === "'") {
      let j = i + 1;
      let s = '';
      while (j < src.length && src[j] !== c) {
        if (src[j] === '\\') {
          const e = src[j + 1];
          if (e === undefined) break;
          s += e === 'n' ? '\n' : e === 't' ? '\t' : e;
          j += 2;
        } else s += src[j++];
      }
      if (src[j] !== c) throw new TemplateError('unfinished string');
      out.push({ t: 'str', v: s });
      i = j + 1;
      continue;
    }
    const op = ['==', '~=', '..'].find((o) => src.startsWith(o, i)) ?? ('.[]()'.includes(c) ? c : null);
    if (!op) throw new TemplateError(`${SUBSET}: unexpected '${c}'`);
    out.push({ t: 'op', v: op });
    i += op.length;
  }
  return out;
}

class Parser {
  private i = 0;
  constructor(private readonly toks: Tok[]) {}
  private peek(v?: string): Tok | undefined {
    const t = this.toks[this.i];
    return v === undefined || (t && (t.t === 'op' || t.t === 'name') && t.v === v) ? t : undefined;
  }
  private expect(v: string): void {
    if (!this.peek(v)) throw new TemplateError(`'${v}' expected`);
    this.i++;
  }
  parse(): Expr {
    if (this.toks.length === 0) throw new TemplateError('empty expression');
    const e = this.or();
    const rest = this.toks[this.i];
    if (rest) throw new TemplateError(`${SUBSET}: unexpected '${rest.v}'`);
    return e;
  }
  private or(): Expr {
    let l = this.and();
    while (this.peek('or')) { this.i++; l = { k: 'bin', op: 'or', l, r: this.and() }; }
    return l;
  }
  private and(): Expr {
    let l = this.cmp();
    while (this.peek('and')) { this.i++; l = { k: 'bin', op: 'and', l, r: this.cmp() }; }
    return l;
  }
  private cmp(): Expr {
    let l = this.concat();
    for (let t = this.peek(); t && t.t === 'op' && (t.v === '==' || t.v === '~='); t = this.peek()) {
      this.i++;
      l = { k: 'bin', op: t.v, l, r: this.concat() };
    }
    return l;
  }
  private concat(): Expr {
    const l = this.unary();
    if (this.peek('..')) { this.i++; return { k: 'bin', op: '..', l, r: this.concat() }; }
    return l;
  }
  private unary(): Expr {
    if (this.peek('not')) { this.i++; return { k: 'not', arg: this.unary() }; }
    return this.postfix();
  }
  private postfix(): Expr {
    let e = this.primary();
    for (;;) {
      if (this.peek('.')) {
        this.i++;
        const n = this.toks[this.i++];
        if (!n || n.t !== 'name') throw new TemplateError("name expected after '.'");
        e = { k: 'index', base: e, key: { k: 'lit', v: n.v } };
      } else if (this.peek('[')) {
        this.i++;
        const key = this.or();
        this.expect(']');
        e = { k: 'index', base: e, key };
      } else return e;
    }
  }
  private primary(): Expr {
    const t = this.toks[this.i++];
    if (!t) throw new TemplateError('unexpected end of expression');
    if (t.t === 'str') return { k: 'lit', v: t.v };
    if (t.t === 'num') return { k: 'lit', v: Number(t.v) };
    if (t.t === 'op' && t.v === '(') {
      const e = this.or();
      this.expect(')');
      return e;
    }
    if (t.t === 'name') {
      if (t.v === 'nil') return { k: 'lit', v: undefined };
      if (t.v === 'true' || t.v === 'false') return { k: 'lit', v: t.v === 'true' };
      if (ROOTS.has(t.v)) return { k: 'root', name: t.v as keyof TemplateEnv };
      if (t.v === 'type' && this.peek('(')) {
        this.i++;
        const arg = this.or();
        this.expect(')');
        return { k: 'type', arg };
      }
    }
    throw new TemplateError(`${SUBSET}: unexpected '${t.v}'`);
  }
}

/** penlight's `$(...)`: the parentheses balanced, as Lua's %b() counts them. Throws TemplateError. */
export function compileTemplate(src: string): Template {
  const parts: (string | Expr)[] = [];
  let lit = '';
  let i = 0;
  while (i < src.length) {
    if (src.startsWith('$(', i)) {
      let depth = 0;
      let j = i + 1;
      for (; j < src.length; j++) {
        if (src[j] === '(') depth++;
        else if (src[j] === ')' && --depth === 0) break;
      }
      if (j < src.length) {
        if (lit) parts.push(lit);
        lit = '';
        parts.push(new Parser(tokenize(src.slice(i + 2, j))).parse());
        i = j + 1;
        continue;
      }
    }
    lit += src[i++];
  }
  if (lit) parts.push(lit);
  return parts;
}

export const isPlain = (t: Template): t is readonly string[] => t.every((p) => typeof p === 'string');

const luaType = (v: unknown): string => (v === undefined || v === null ? 'nil' : typeof v === 'boolean' ? 'boolean' : typeof v === 'number' ? 'number' : typeof v === 'string' ? 'string' : 'table');
const truthy = (v: unknown) => v !== undefined && v !== null && v !== false;

function index(base: unknown, key: unknown, root: string | null): unknown {
  if (typeof base !== 'object' || base === null) throw new Error(`attempt to index a ${luaType(base)} value`);
  if (Array.isArray(base)) return typeof key === 'number' ? base[key - 1] : undefined;
  if (typeof key !== 'string' && typeof key !== 'number') return undefined;
  const obj = base as Record<string, unknown>;
  // ngx.req.get_headers(): lookups are case-insensitive and read `_` as `-`.
  if (root === 'headers' && typeof key === 'string') return obj[key.toLowerCase().replace(/_/g, '-')] ?? obj[key.toLowerCase()];
  return Object.prototype.hasOwnProperty.call(obj, String(key)) ? obj[String(key)] : undefined;
}

function evaluate(e: Expr, env: TemplateEnv): unknown {
  switch (e.k) {
    case 'lit': return e.v;
    case 'root': return env[e.name]();
    case 'index': return index(evaluate(e.base, env), evaluate(e.key, env), e.base.k === 'root' ? e.base.name : null);
    case 'type': return luaType(evaluate(e.arg, env));
    case 'not': return !truthy(evaluate(e.arg, env));
    case 'bin': {
      const l = evaluate(e.l, env);
      if (e.op === 'or') return truthy(l) ? l : evaluate(e.r, env);
      if (e.op === 'and') return truthy(l) ? evaluate(e.r, env) : l;
      const r = evaluate(e.r, env);
      if (e.op === '==') return l === r || (l == null && r == null);
      if (e.op === '~=') return !(l === r || (l == null && r == null));
      for (const x of [l, r]) if (typeof x !== 'string' && typeof x !== 'number') throw new Error(`attempt to concatenate a ${luaType(x)} value`);
      return String(l) + String(r);
    }
  }
}

/** The rendered text; throws (a 500 for the request, as in Kong) when an expression fails. */
export function render(t: Template, env: TemplateEnv): string {
  let out = '';
  for (const p of t) {
    if (typeof p === 'string') { out += p; continue; }
    const v = evaluate(p, env);
    if (!truthy(v)) continue;
    // Kong would print a Lua table's address; a repeated header's values are the useful reading.
    if (Array.isArray(v)) out += v.join(', ');
    else if (typeof v === 'object') throw new Error('template rendered a table');
    else out += String(v);
  }
  return out;
}
