// A Map of encoded nodes with a NodeLoader and NodeSink over it, counting loads:
// lets tests run the pure tree algorithms with no BlobStore and no I/O.
import { InternalError } from '../errors/index.js';
import { decodeNode, type EncodedNode } from './codec.js';
import type { NodeSink } from './mutate.js';
import type { NodeLoader, TreeId, TreeNode } from './node.js';

export class NodeMap {
  readonly nodes = new Map<TreeId, Uint8Array>();
  loads = 0;
  stored = 0;

  private readonly decoded = new Map<TreeId, TreeNode>();

  /** Every load is counted; the stored bytes are decoded (and checked) on the first one. */
  readonly load: NodeLoader = async (id) => {
    this.loads++;
    let node = this.decoded.get(id);
    if (node) return node;
    const bytes = this.nodes.get(id);
    if (!bytes) throw new InternalError(`test node map: no node ${id}`);
    node = decodeNode(bytes, id);
    this.decoded.set(id, node);
    return node;
  };

  readonly sink: NodeSink = async (nodes: EncodedNode[]) => {
    for (const n of nodes) {
      if (!this.nodes.has(n.id)) this.stored++;
      this.nodes.set(n.id, n.bytes);
    }
  };
}
