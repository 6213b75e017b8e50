// Listing pages, checked against a plain model: for any set of keys, prefix,
// delimiter and page size, walking page by page from each page's last item
// yields exactly the sorted keys under the prefix, with keys that go past the
// delimiter folded into their common prefix, each once.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { EMPTY_HASH } from '../../../storage/content.js';
import { FileTree } from '../../../tree/index.js';
import { MemoryBlobs } from '../../../tree/memory-blobs.js';
import { walkKeys } from './list-objects.js';

function model(keys: string[], prefix: string, delimiter: string): string[] {
  const out: string[] = [];
  for (const key of [...keys].sort()) {
    if (!key.startsWith(prefix)) continue;
    const i = delimiter ? key.indexOf(delimiter, prefix.length) : -1;
    const item = i >= 0 ? key.slice(0, i + delimiter.length) : key;
    if (out[out.length - 1] !== item) out.push(item);
  }
  return out;
}

const segment = fc.constantFrom('a', 'b', 'a-b', 'c.d', 'a0');
const key = fc.array(segment, { minLength: 1, maxLength: 4 }).map((s) => s.join('/'));
/** Keys where none is also the directory of another (a path is a file or a directory, not both). */
const keySet = fc.uniqueArray(key, { maxLength: 25 }).map((ks) => ks.filter((k) => !ks.some((o) => o.startsWith(k + '/'))));

describe('walkKeys', () => {
  it('pages through exactly what the model lists', async () => {
    await fc.assert(
      fc.asyncProperty(keySet, fc.constantFrom('', 'a', 'a/', 'a-', 'b/a', 'c'), fc.constantFrom('', '/'), fc.integer({ min: 1, max: 4 }), async (keys, prefix, delimiter, pageSize) => {
        const tree = new FileTree(new MemoryBlobs());
        const root = await tree.build(keys.map((k) => ({ path: '/' + k, size: 0, hash: EMPTY_HASH, content: { size: 0, hash: EMPTY_HASH, refs: [] } })));
        const seen: string[] = [];
        let after = '';
        for (let pages = 0; pages < 100; pages++) {
          const page: string[] = [];
          for await (const item of walkKeys(tree, root, prefix, after, delimiter)) {
            page.push('prefix' in item ? item.prefix : item.key);
            if (page.length === pageSize) break;
          }
          seen.push(...page);
          if (page.length < pageSize) break;
          after = page[page.length - 1]!;
        }
        expect(seen).toEqual(model(keys, prefix, delimiter));
      }),
      { numRuns: 150, seed: 20261126 },
    );
  });
});
