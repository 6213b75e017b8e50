import { EventEmitter } from 'node:events';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ConsoleEvents } from './console-events.js';

/** A response that records what was written and whether it was ended. */
function fakeResponse() {
  const out = { text: '', ended: false };
  const res = {
    writeHead: () => res,
    write: (t: string) => ((out.text += t), true),
    end: () => void (out.ended = true),
  };
  return { res: res as unknown as ServerResponse, out };
}

describe('ConsoleEvents', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it('ends a stream whose caller is no longer allowed at the next keepalive, and sends it nothing more', async () => {
    const events = new ConsoleEvents();
    let allowed = true;
    const kept = fakeResponse();
    const revoked = fakeResponse();
    events.serve(new EventEmitter() as IncomingMessage, kept.res);
    events.serve(new EventEmitter() as IncomingMessage, revoked.res, async () => allowed);
    await vi.advanceTimersByTimeAsync(15_000);
    expect(revoked.out.ended).toBe(false);
    allowed = false; // its token revoked
    await vi.advanceTimersByTimeAsync(15_000);
    expect(revoked.out.ended).toBe(true);
    events.publish({ kind: 'repo', repo: 'secret-plans' });
    await vi.advanceTimersByTimeAsync(1_000);
    expect(kept.out.text).toContain('secret-plans');
    expect(revoked.out.text).not.toContain('secret-plans');
    expect(kept.out.ended).toBe(false);
    events.close();
  });
});
