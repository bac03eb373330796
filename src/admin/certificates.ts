// Kong's /certificates/{id or sni} (kong/api/routes/certificates.lua): a certificate is found by
// one of its SNI names too, and PUT to an unknown name creates a certificate carrying that name.
import { randomUUID } from 'node:crypto';
import { UUID, type Row } from '../entities/index.js';
import type { Ctx } from './routes.js';
import { HttpError } from './http-error.js';

/** The certificate id the path names, and a context whose body carries Kong's `snis` rules. */
export async function certificateTarget(ctx: Ctx, key: string): Promise<{ ctx: Ctx; id: string }> {
  let id = key;
  let name: string | undefined;
  if (!UUID.test(key)) {
    name = key;
    const sni = await ctx.store.get('snis', key);
    const owner = (sni?.certificate as Row | undefined)?.id;
    if (typeof owner === 'string') id = owner;
    else if (ctx.method !== 'PUT') throw new HttpError(404, { message: 'SNI not found' });
    else id = randomUUID();
  }
  if (ctx.method !== 'PUT' && ctx.method !== 'PATCH') return { ctx, id };
  const body = async () => {
    const b = await ctx.body();
    return { ...b, json: withSnis(b.json, ctx.method, name) };
  };
  return { ctx: { ...ctx, body }, id };
}

// Kong's prepare_args: one name becomes a list, and PUT /certificates/{name} adds that name.
function withSnis(json: unknown, method: string, name: string | undefined): unknown {
  if (!json || typeof json !== 'object' || Array.isArray(json)) return json;
  const body = { ...(json as Row) };
  const snis = body.snis;
  if (Array.isArray(snis)) {
    if (name !== undefined && method === 'PUT' && !snis.includes(name)) body.snis = [...snis, name];
  } else if (typeof snis === 'string') {
    body.snis = name !== undefined && method === 'PUT' && name !== snis ? [snis, name] : [snis];
  } else if (snis === undefined && method === 'PUT') {
    body.snis = name !== undefined ? [name] : null;
  }
  return body;
}

/** /certificates/{id or sni}/snis: the parent found either way. */
export async function certificateParent(ctx: Ctx, key: string): Promise<Row | null> {
  if (UUID.test(key)) return ctx.store.get('certificates', key);
  const owner = ((await ctx.store.get('snis', key))?.certificate as Row | undefined)?.id;
  return typeof owner === 'string' ? ctx.store.get('certificates', owner) : null;
}
