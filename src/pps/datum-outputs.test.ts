import { afterEach, describe, expect, it } from 'vitest';
import { OutputCollision } from '../errors/index.js';
import { openTestPfs, type TestPfs } from '../pfs/test-pfs.js';
import { ContentStore } from '../storage/content-store.js';
import { FileTree } from '../tree/index.js';
import { DatumOutputStore, mergeOutputs, storeInlineOutput, type InlineOutputFile } from './datum-outputs.js';

const file = (path: string, text: string): InlineOutputFile => ({ path, data: Buffer.from(text) });

describe('datum outputs', () => {
  let t: TestPfs | undefined;
  afterEach(async () => {
    await t?.close();
    t = undefined;
  });

  async function stored(recentEntries?: number) {
    t = await openTestPfs();
    const store = new DatumOutputStore(t.content, t.tree, recentEntries);
    const outputs: { datum: string; output: string }[] = [];
    for (let i = 0; i < 20; i++) {
      // Unsorted paths, a directory, an empty file and one path written twice (the later one counts).
      const files = [file(`z/${i}`, `${i}`), file(`/a/${i}/x`, 'x'.repeat(i)), file(`b${i}`, ''), file(`z/${i}`, `again ${i}`)];
      outputs.push({ datum: `d${i}`, output: await storeInlineOutput(store, files) });
    }
    await store.durable();
    return { store, outputs, tree: t.tree };
  }

  it('merges from the entries it remembers into the same tree as from the stored trees', async () => {
    const { store, outputs, tree } = await stored();
    const fromTrees = await mergeOutputs(tree, outputs);
    const remembered = await mergeOutputs(tree, outputs, (id) => store.entriesOf(id));
    expect(remembered).toBe(fromTrees);
    expect(store.entriesOf(outputs[3]!.output)?.map((e) => e.path)).toEqual(['/a/3/x', '/b3', '/z/3']);
    const merged = new Map<string, string>();
    for await (const e of tree.scan(remembered)) merged.set(e.path, Buffer.from(await t!.content.readBytes(e.content)).toString());
    expect(merged.size).toBe(60);
    expect(merged.get('/z/7')).toBe('again 7');
  });

  it('reads back the trees of outputs it no longer remembers', async () => {
    const { store, outputs, tree } = await stored(9);
    expect(store.entriesOf(outputs[0]!.output)).toBeUndefined();
    expect(store.entriesOf(outputs[19]!.output)).toBeDefined();
    expect(await mergeOutputs(tree, outputs, (id) => store.entriesOf(id))).toBe(await mergeOutputs(tree, outputs));
  });

  it('keeps tiny and larger inline files in the object store once durable() returns', async () => {
    t = await openTestPfs();
    const store = new DatumOutputStore(t.content, t.tree);
    const big = 'y'.repeat(40 * 1024); // over the minimum chunk size: through the shared session
    const output = await storeInlineOutput(store, [file('/tiny', 'tiny'), file('/big', big), file('/empty', '')]);
    await store.durable();
    // A store opened afresh on the same objects (a restarted daemon) reads every file back.
    const content = await ContentStore.open(t.objects);
    const tree = new FileTree(content.blobs);
    const read: Record<string, string> = {};
    for await (const e of tree.scan(output)) read[e.path] = Buffer.from(await content.readBytes(e.content)).toString();
    expect(read).toEqual({ '/big': big, '/empty': '', '/tiny': 'tiny' });
    await content.close();
  });

  it('names both datums when two remembered outputs write one path', async () => {
    t = await openTestPfs();
    const store = new DatumOutputStore(t.content, t.tree);
    const a = await storeInlineOutput(store, [file('/same', 'a'), file('/own-a', 'a')]);
    const b = await storeInlineOutput(store, [file('/same', 'b')]);
    const merge = mergeOutputs(t.tree, [{ datum: 'da', output: a }, { datum: 'db', output: b }], (id) => store.entriesOf(id));
    await expect(merge).rejects.toThrow(OutputCollision);
    await expect(merge).rejects.toThrow(/\/same.*da.*db|da.*db.*\/same/s);
  });
});
