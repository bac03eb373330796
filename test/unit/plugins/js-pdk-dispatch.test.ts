// The promise PDK a JavaScript plugin gets calls each request's own in-process PDK: methods of a
// namespace's class are called on that request's object, own functions (kong.router's) are that
// request's, and a namespace whose object has another class gets wrappers of its own.
import { describe, expect, it } from 'vitest';
import { asyncPdk } from '../../../src/plugins/js/pdk.js';
import type { Kong } from '../../../src/plugins/pdk/types.js';

class Req {
  constructor(private readonly h: Record<string, string>) {}
  getHeader(name: string): string | null {
    return this.h[name] ?? null;
  }
}
class OtherReq {
  getHeader(): string {
    return 'other';
  }
}
const kongWith = (req: object, route: string) => ({ request: req, router: { getRoute: () => ({ id: route }) } }) as unknown as Kong;
const live = () => ({ live: true });

describe('asyncPdk dispatch', () => {
  it("calls each request's own objects, whichever was made first", async () => {
    const a = asyncPdk(kongWith(new Req({ 'x-a': '1' }), 'r1'), live());
    const b = asyncPdk(kongWith(new Req({ 'x-a': '2' }), 'r2'), live());
    expect(await (a.request as any).getHeader('x-a')).toBe('1');
    expect(await (b.request as any).getHeader('x-a')).toBe('2');
    expect(await (b.request as any).get_header('x-a')).toBe('2');
    expect(await (a.router as any).getRoute()).toEqual({ id: 'r1' });
    expect(await (b.router as any).getRoute()).toEqual({ id: 'r2' });
  });

  it('a namespace object of another class is called as what it is', async () => {
    const a = asyncPdk(kongWith(new Req({ 'x-a': '1' }), 'r1'), live());
    expect(await (a.request as any).getHeader('x-a')).toBe('1');
    const o = asyncPdk(kongWith(new OtherReq(), 'r'), live());
    expect(await (o.request as any).getHeader('x-a')).toBe('other');
    const again = asyncPdk(kongWith(new Req({ 'x-a': '3' }), 'r1'), live());
    expect(await (again.request as any).getHeader('x-a')).toBe('3');
  });

  it('an unknown method rejects, and a call after the phase ended rejects', async () => {
    const g = live();
    const k = asyncPdk(kongWith(new Req({}), 'r'), g);
    await expect((k.request as any).getNothing()).rejects.toThrow('PDK method kong.request.getNothing is not supported by hybridctl');
    g.live = false;
    await expect((k.request as any).getHeader('x')).rejects.toThrow('PDK method kong.request.getHeader called after its phase ended');
  });
});
