// A TuskError crosses gRPC as a status message and a JSON trailer of bounded
// size, and comes back as the same typed error.
import type { ServiceError } from '@grpc/grpc-js';
import { describe, expect, it } from 'vitest';
import { FileNotFound, InvalidArgument } from '../errors/index.js';
import { MAX_WIRE_TEXT, fromServiceError, toServiceError } from './errors.js';

function roundTrip(err: unknown) {
  const se = toServiceError(err);
  const trailer = se.metadata!.get('tusk-error-bin')[0] as Buffer;
  return { se, trailerBytes: trailer.length, back: fromServiceError(se as ServiceError) };
}

describe('errors on the wire', () => {
  it('come back as the class, code, message and data they were thrown with', () => {
    const { back } = roundTrip(new FileNotFound('/a\nb', 'r@master'));
    expect(back).toBeInstanceOf(FileNotFound);
    expect(back.code).toBe('FileNotFound');
    expect(back.message).toBe(new FileNotFound('/a\nb', 'r@master').message);
  });

  it('stay well under HTTP/2\'s 64 KiB of headers whatever the input they name, clipped and saying so', () => {
    for (const name of ['x'.repeat(200_000), 'é'.repeat(50_000), '😀'.repeat(30_000), '\u0001'.repeat(30_000)]) {
      const { se, trailerBytes, back } = roundTrip(new FileNotFound('/' + name, 'r@master'));
      const detailsBytes = encodeURIComponent(se.details!).length;
      expect(detailsBytes + Math.ceil((trailerBytes * 4) / 3)).toBeLessThan(48 * 1024);
      expect(back).toBeInstanceOf(FileNotFound);
      expect(back.message.length).toBeLessThan(MAX_WIRE_TEXT + 40);
      expect(back.message).toMatch(/… \(\d+ more characters\)$/);
      expect(back.message).not.toContain('\ufffd'); // no half of a surrogate pair (it would come back as U+FFFD)
    }
  });

  it('leave an ordinary message whole', () => {
    const { back } = roundTrip(new InvalidArgument('Bad', 'x'.repeat(MAX_WIRE_TEXT)));
    expect(back.message).toBe('x'.repeat(MAX_WIRE_TEXT));
  });
});
