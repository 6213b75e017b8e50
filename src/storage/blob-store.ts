// The BlobStore interface: small immutable byte strings (tree nodes, ref lists)
// stored under a caller-chosen content ID. The caller computes the ID (usually a
// hash of the bytes or of their logical content) and verifies what it reads;
// the store packs blobs into large objects so that many small blobs never
// become many small object-store requests.

export interface BlobStore {
  /**
   * Stores `bytes` under `id` unless a blob with that ID already exists (then it is a no-op).
   * Resolves true when these bytes are the ones stored under `id` (this call put them), false when it was a no-op.
   */
  put(id: string, bytes: Uint8Array): Promise<boolean>;
  /** The bytes stored under `id`. Throws ObjectNotFound if there is none; CorruptObject if the stored bytes are damaged. */
  get(id: string): Promise<Uint8Array>;
  /**
   * As get() for many IDs, in the same order: blobs stored near each other in one pack are read
   * with one ranged read (a tree walk's next leaves, say). Optional: a store without it is read one get() at a time.
   */
  getMany?(ids: readonly string[]): Promise<Uint8Array[]>;
  has(id: string): Promise<boolean>;
  /** As get(), but read from the object store past every cache (fsck): what is stored, verified. Optional: stores without caches need not. */
  getStored?(id: string): Promise<Uint8Array>;
  /** Makes every blob put so far durable in the object store. */
  flush(): Promise<void>;
}
