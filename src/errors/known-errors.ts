// The error classes TuskError.fromJSON restores: each class with a literal
// code under that code, and the family classes whose code varies
// (`new NotFound('BranchNotFound', ...)`) under their kind. A class added to
// src/errors is added here too (known-errors.test.ts checks every export).
import { AuthNotActive, PermissionDenied, Unauthenticated } from './access.js';
import { AlreadyExists, BranchExists, CommitExists, RepoExists } from './already-exists.js';
import { CorruptObject, FileDataLoss } from './data-loss.js';
import { CommitHasChildren, CommitHasDependants, CommitNotRemovable } from './history.js';
import { BranchHasOpenCommit, CommitFinished, FailedPrecondition, InUse, NotAFile, StorageRejected } from './failed-precondition.js';
import { InternalError } from './internal.js';
import { InvalidArgument, InvalidFileEntry, InvalidGlob, InvalidName, InvalidObjectKey, InvalidPath, InvalidRef, InvalidSpec, InvalidStorageUrl } from './invalid-argument.js';
import { BranchNotFound, CommitNotFound, FileNotFound, NotFound, ObjectNotFound, RepoNotFound } from './not-found.js';
import { DatumNotFound, ExperimentNotFound, ExperimentRunning, JobNotFound, NotFastForward, OutputCollision, PipelineExists, PipelineNotFound, TooManyDatums, TransactionFailed, TransactionNotFound } from './pps.js';
import { NoSuchUpload } from './s3.js';
import { SecretExists, SecretNotFound } from './secrets.js';
import { EgressFailed, S3SourceNotFound, S3TransferFailed } from './s3-transfer.js';
import { InvalidTrigger, TriggerCycle } from './trigger.js';
import { knownErrors, type ErrorKind, type TuskErrorClass } from './tusk-error.js';
import { DaemonUntrusted, KubernetesUnavailable, StorageUnavailable } from './unavailable.js';
import { BadWorkerMessage, DatumOutputRejected, NextDatumRefused, UnknownOperation, UnknownWorker, WorkerPeerUnavailable } from './worker.js';

/** Classes by the literal code each one throws with. */
export const ERROR_CLASSES_BY_CODE: Readonly<Record<string, TuskErrorClass>> = {
  RepoExists, BranchExists, CommitExists,
  CorruptObject, DataLoss: FileDataLoss,
  CommitHasChildren, CommitHasDependants, CommitNotRemovable,
  CommitFinished, BranchHasOpenCommit, NotAFile, InUse, StorageRejected,
  Internal: InternalError,
  InvalidPath, InvalidGlob, InvalidStorageUrl, InvalidName, InvalidRef, InvalidObjectKey, InvalidFileEntry, InvalidSpec,
  ObjectNotFound, RepoNotFound, BranchNotFound, CommitNotFound, FileNotFound,
  PipelineNotFound, PipelineExists, JobNotFound, DatumNotFound, OutputCollision, TooManyDatums, ExperimentNotFound, NotFastForward, ExperimentRunning, TransactionNotFound, TransactionFailed,
  NoSuchUpload,
  SecretNotFound, SecretExists,
  S3SourceNotFound, S3TransferFailed, EgressFailed,
  InvalidTrigger, TriggerCycle,
  StorageUnavailable, KubernetesUnavailable, DaemonUntrusted,
  Unauthenticated, PermissionDenied, AuthNotActive,
  DatumOutputRejected, WorkerPeerUnavailable, BadWorkerMessage, UnknownOperation, NextDatumRefused, UnknownWorker,
};

/** Family classes by kind, for codes no class owns. */
export const ERROR_CLASSES_BY_KIND: Readonly<Partial<Record<ErrorKind, TuskErrorClass>>> = {
  not_found: NotFound,
  already_exists: AlreadyExists,
  invalid_argument: InvalidArgument,
  failed_precondition: FailedPrecondition,
};

for (const [code, cls] of Object.entries(ERROR_CLASSES_BY_CODE)) knownErrors.byCode.set(code, cls);
for (const [kind, cls] of Object.entries(ERROR_CLASSES_BY_KIND)) knownErrors.byKind.set(kind as ErrorKind, cls);
