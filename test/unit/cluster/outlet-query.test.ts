// Kong reads node_id/node_hostname/node_version from ngx.var.arg_*: raw, undecoded, first wins.
import { describe, expect, it } from 'vitest';
import { parseOutletQuery } from '../../../src/cluster/server/http.js';

describe('outlet query', () => {
  it('keeps raw values and the first occurrence', () => {
    expect(parseOutletQuery('node_id=a%20b&node_hostname=h&node_version=3.10.0&node_id=other&x=1')).toEqual({ node_id: 'a%20b', node_hostname: 'h', node_version: '3.10.0' });
  });

  it('an empty value is present (Kong only refuses an absent one)', () => {
    expect(parseOutletQuery('node_id=&node_version')).toEqual({ node_id: '', node_version: '' });
    expect(parseOutletQuery('')).toEqual({});
  });
});
