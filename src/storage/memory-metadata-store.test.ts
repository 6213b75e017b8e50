// The MetadataStore contract, run against the in-memory store the upper layers test with.
import { metadataStoreContract } from './metadata-store.contract.js';
import { MemoryMetadataStore } from './memory-metadata-store.js';

metadataStoreContract('memory', async () => {
  const store = new MemoryMetadataStore();
  return { store, cleanup: () => store.close() };
});
