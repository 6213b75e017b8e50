// The ObjectStore contract, run against the in-memory store the upper layers test with.
import { MemoryStore } from './memory-store.js';
import { objectStoreContract } from './object-store.contract.js';

objectStoreContract('MemoryStore', async () => ({ store: new MemoryStore(), cleanup: async () => undefined }));
