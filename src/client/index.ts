// The Tusk client: a typed connection to tuskd's gRPC API. Everything outside
// the daemon (CLI, tests, workers, sidecars, gateway) talks to Tusk through it.
export { TuskClient, type FilePage } from './tusk-client.js';
export type { Branch, Commit, DiffEntry, FileInfo, ModifyFileResponse, Repo, Trigger } from './tusk-client.js';
export { FileWriter } from './file-writer.js';
export { createLocalProof, isLoopbackAddress, type LocalProof } from './local-proof.js';
export { dataBuffer } from '../rpc/file-wire.js';
export { defaultAddress, DEFAULT_ADDRESS, isTlsAddress, tlsCa } from './connection.js';
export type { ConnectOptions } from './connection.js';
export { AuthClient } from './auth-client.js';
export { runtimeToken } from './runtime-token.js';
export { PpsClient, WorkerClient } from './pps-client.js';
export type { StartedStream } from './started-stream.js';
export type { SecretInfo, Datum, DatumOutputResponse, DatumRef, Job, LogLine, NextTasksResponse, Pipeline, PipelineVersion, ProvenanceNode, RegisterResponse, Registration, Task, TaskResult, WorkerSpec, TransactionInfo, TransactionOp, FinishTransactionResponse } from './pps-client.js';
export { checkWorkerSpec } from './worker-spec.js';
// Errors come back as the classes thrown in the daemon (TuskError.fromJSON): callers use instanceof or `code`.
export * from '../errors/index.js';
