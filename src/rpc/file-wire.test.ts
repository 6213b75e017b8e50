import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { GetFileResponse, ModifyFileRequest } from '../gen/tusk/pfs.js';
import { dataBuffer, decodeGetFileResponse, decodeModifyFileRequest, encodeGetFileResponse, encodeModifyFileRequest } from './file-wire.js';

const bytes = fc.oneof(
  fc.uint8Array({ maxLength: 300 }).map((b) => Buffer.from(b)),
  // lengths around the varint boundaries
  fc.constantFrom(127, 128, 16383, 16384, 70000).map((n) => Buffer.from(new Uint8Array(n).map((_, i) => i * 7))),
);
const file = fc.record({ path: fc.oneof(fc.string(), fc.constant('/dir/ünïcödé/ファイル.txt'), fc.constant('')), append: fc.boolean(), data: bytes });
const request: fc.Arbitrary<ModifyFileRequest> = fc.oneof(
  bytes.map((data) => ({ data })),
  fc.array(file, { maxLength: 20 }).map((files) => ({ files: { files } })),
  fc.record({ path: fc.string(), append: fc.boolean() }).map((putFile) => ({ putFile })),
  fc.string().map((path) => ({ deleteFile: { path } })),
  fc.constant({ endFile: {} }),
);

const hex = (b: Uint8Array) => Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('hex');
/** A message with its bytes as hex, for comparison. */
const plain = (m: ModifyFileRequest) => ({
  ...m,
  data: m.data && hex(m.data),
  files: m.files && { files: m.files.files.map((f) => ({ path: f.path, append: f.append, data: hex(f.data) })) },
});
const generated = (m: ModifyFileRequest) => Buffer.from(ModifyFileRequest.encode(m).finish());

describe('ModifyFile messages', () => {
  it('encode to bytes the generated decoder reads back unchanged', () => {
    fc.assert(
      fc.property(request, (msg) => {
        expect(plain(ModifyFileRequest.decode(encodeModifyFileRequest(msg)))).toEqual(plain(ModifyFileRequest.decode(generated(msg))));
      }),
      { numRuns: 200 },
    );
  });

  it('decode what the generated encoder writes, and their own output, to the same message', () => {
    fc.assert(
      fc.property(request, (msg) => {
        const expected = plain(ModifyFileRequest.decode(generated(msg)));
        expect(plain(decodeModifyFileRequest(generated(msg)))).toEqual(expected);
        expect(plain(decodeModifyFileRequest(encodeModifyFileRequest(msg)))).toEqual(expected);
      }),
      { numRuns: 200 },
    );
  });

  it('frame data read into a dataBuffer in place, and copy any other view without touching its buffer', () => {
    fc.assert(
      fc.property(bytes, fc.nat(5), (data, cut) => {
        const buf = dataBuffer(data.length + cut);
        buf.set(data);
        const whole = buf.subarray(0, data.length);
        const encoded = encodeModifyFileRequest({ data: whole });
        expect(encoded.buffer).toBe(buf.buffer); // no copy
        expect(hex(ModifyFileRequest.decode(encoded).data!)).toBe(hex(data));
        if (cut > 0 && data.length > cut) {
          const before = Buffer.from(buf.buffer).toString('hex');
          const inner = buf.subarray(cut, data.length);
          const copied = encodeModifyFileRequest({ data: inner });
          expect(copied.buffer).not.toBe(buf.buffer);
          expect(hex(ModifyFileRequest.decode(copied).data!)).toBe(hex(data.subarray(cut)));
          expect(Buffer.from(buf.buffer).toString('hex')).toBe(before);
        }
      }),
      { numRuns: 100 },
    );
  });

  it('fall back to the generated decoder for fields they do not know', () => {
    // data followed by an unknown varint field 15
    const msg = Buffer.concat([encodeModifyFileRequest({ data: Buffer.from('abc') }), Buffer.from([(15 << 3) | 0, 1])]);
    expect(plain(decodeModifyFileRequest(msg))).toEqual(plain(ModifyFileRequest.decode(msg)));
  });
});

describe('GetFile responses', () => {
  it('round-trip through both encoders and decoders', () => {
    fc.assert(
      fc.property(bytes, (data) => {
        const ours = encodeGetFileResponse({ data });
        const theirs = Buffer.from(GetFileResponse.encode({ data }).finish());
        expect(hex(GetFileResponse.decode(ours).data)).toBe(hex(data));
        expect(hex(decodeGetFileResponse(theirs).data)).toBe(hex(data));
        expect(hex(decodeGetFileResponse(ours).data)).toBe(hex(data));
      }),
    );
  });
});
