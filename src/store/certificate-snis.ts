// Kong's certificates DAO (kong/db/dao/certificates.lua, snis.lua): the transient `snis` list on a
// certificate becomes snis rows, written in the same transaction as the certificate.
import { randomUUID } from 'node:crypto';
import { schemaViolation, validateRow, type Row } from '../entities/index.js';

/** The `snis` the caller gave: undefined when absent (keep), [] for null (remove all), else the names. */
export function givenSnis(input: unknown): string[] | undefined {
  if (!input || typeof input !== 'object' || Array.isArray(input) || !Object.hasOwn(input, 'snis')) return undefined;
  const v = (input as Row).snis;
  return Array.isArray(v) ? (v as string[]) : v === null ? [] : undefined;
}

/** Kong's parse_name_list: duplicates refused before anything else is looked at. */
export function checkDuplicates(names: readonly unknown[]): void {
  const seen = new Set<unknown>();
  for (const n of names) {
    if (seen.has(n)) throw schemaViolation({ snis: `${String(n)} is duplicated` });
    seen.add(n);
  }
}

/** Kong's check_list_is_new: a name may only belong to this certificate already. */
export function checkListIsNew(snis: Iterable<Row>, names: readonly string[], certId: string | null): void {
  const byName = new Map<unknown, Row>();
  for (const r of snis) byName.set(r.name, r);
  for (const n of names) {
    const owner = (byName.get(n)?.certificate as Row | undefined)?.id;
    if (owner !== undefined && owner !== certId) throw schemaViolation({ snis: `${n} already associated with existing certificate '${String(owner)}'` });
  }
}

export const namesOf = (snis: Iterable<Row>, certId: string): string[] =>
  [...snis].filter((r) => (r.certificate as Row | null)?.id === certId).map((r) => String(r.name)).sort();

/** Kong's update_list: new names inserted, names no longer listed removed, the rest untouched. */
export function planSnis(snis: Iterable<Row>, certId: string, names: readonly string[], now: number): { put: Row[]; del: Row[] } {
  const mine = [...snis].filter((r) => (r.certificate as Row | null)?.id === certId);
  const want = new Set(names);
  const have = new Set(mine.map((r) => r.name));
  const put: Row[] = [];
  for (const name of names) {
    if (have.has(name)) continue;
    const v = validateRow('snis', { name, certificate: { id: certId } });
    if (v.errors) throw schemaViolation({ snis: v.errors.name ?? v.errors });
    put.push({ id: randomUUID(), ...v.row, created_at: now, updated_at: now });
  }
  return { put, del: mine.filter((r) => !want.has(r.name as string)) };
}
