// A bounded LRU of decoded tree nodes by ID. Nodes are immutable, so a cached
// node never goes stale; the bound is a node count (a leaf of 64 entries is
// roughly 20–30 KiB decoded).
import type { TreeId, TreeNode } from './node.js';

export class NodeCache {
  private readonly map = new Map<TreeId, TreeNode>();
  constructor(readonly capacity: number) {}

  get(id: TreeId): TreeNode | undefined {
    const node = this.map.get(id);
    if (node !== undefined) {
      this.map.delete(id); // move to the young end
      this.map.set(id, node);
    }
    return node;
  }

  set(id: TreeId, node: TreeNode): void {
    if (this.capacity <= 0) return;
    this.map.delete(id);
    this.map.set(id, node);
    if (this.map.size > this.capacity) this.map.delete(this.map.keys().next().value!);
  }

  get size(): number {
    return this.map.size;
  }

  clear(): void {
    this.map.clear();
  }
}
