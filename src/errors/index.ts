// Tusk's one error family. Every error a user sees is a TuskError with a literal
// code; the server maps `kind` to gRPC status codes in one place, the S3 gateway
// to S3 error codes in one table, the CLI to exit codes. An error that crossed
// a process boundary comes back as its own class (TuskError.fromJSON, with the
// table in known-errors.ts, loaded here).
import './known-errors.js';
export { TuskError, isTuskError, oneLine, toTuskError } from './tusk-error.js';
export type { ErrorKind, TuskErrorJSON } from './tusk-error.js';
export { NotFound, ObjectNotFound, RepoNotFound, BranchNotFound, CommitNotFound, FileNotFound } from './not-found.js';
export { InvalidArgument, InvalidPath, InvalidGlob, InvalidStorageUrl, InvalidName, InvalidRef, InvalidObjectKey } from './invalid-argument.js';
export { InvalidFileEntry, InvalidSpec } from './invalid-argument.js';
export { InvalidTrigger, TriggerCycle } from './trigger.js';
export type { SpecProblem } from './invalid-argument.js';
export { AlreadyExists, RepoExists, BranchExists, CommitExists } from './already-exists.js';
export { FailedPrecondition, CommitFinished, BranchHasOpenCommit, NotAFile, InUse, StorageRejected } from './failed-precondition.js';
export { CorruptObject, FileDataLoss } from './data-loss.js';
export { CommitHasChildren, CommitHasDependants, CommitNotRemovable } from './history.js';
export { DaemonUntrusted, KubernetesUnavailable, StorageUnavailable } from './unavailable.js';
export { BadWorkerMessage, DatumOutputRejected, NextDatumRefused, UnknownOperation, UnknownWorker, WorkerPeerUnavailable } from './worker.js';
export { SecretExists, SecretNotFound } from './secrets.js';
export { DatumNotFound, ExperimentNotFound, ExperimentRunning, JobNotFound, NotFastForward, OutputCollision, PipelineExists, PipelineNotFound, TooManyDatums, TransactionFailed, TransactionNotFound } from './pps.js';
export { InternalError } from './internal.js';
export { S3Denied, S3Invalid, NoSuchUpload, S3Unsupported } from './s3.js';
export { S3SourceNotFound, S3TransferFailed, EgressFailed } from './s3-transfer.js';
export type { S3DeniedCode, S3InvalidCode } from './s3.js';
export { Unauthenticated, PermissionDenied, AuthNotActive } from './access.js';
