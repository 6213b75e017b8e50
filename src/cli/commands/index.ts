// Every `tusk` command, in the order --help lists them.
import type { CommandDef } from '../command.js';
import { authActivate } from './auth-activate.js';
import { authCreateS3Key } from './auth-create-s3-key.js';
import { authGetRobotToken } from './auth-get-robot-token.js';
import { authLogin } from './auth-login.js';
import { authLogout } from './auth-logout.js';
import { authRevoke } from './auth-revoke.js';
import { authGetRepo, authSetCluster, authSetRepo } from './auth-roles.js';
import { authWhoami } from './auth-whoami.js';
import { completion } from './completion.js';
import { findCommit } from './find-commit.js';
import { subscribeCommit } from './subscribe-commit.js';
import { copyFile } from './copy-file.js';
import { inspectFile } from './inspect-file.js';
import { configListContext, configSetContext, configUseContext } from './config-context.js';
import { createBranch } from './create-branch.js';
import { createPipeline } from './create-pipeline.js';
import { createRepo } from './create-repo.js';
import { deleteBranch } from './delete-branch.js';
import { deleteCommit } from './delete-commit.js';
import { squashCommit } from './squash-commit.js';
import { fsckCommand } from './fsck.js';
import { deleteFile } from './delete-file.js';
import { deleteJob } from './delete-job.js';
import { editPipeline } from './edit-pipeline.js';
import { stopJob } from './stop-job.js';
import { validatePipeline } from './validate-pipeline.js';
import { deletePipeline } from './delete-pipeline.js';
import { deleteRepo } from './delete-repo.js';
import { diffFile } from './diff-file.js';
import { down } from './down.js';
import { finishCommit } from './finish-commit.js';
import { getFile } from './get-file.js';
import { gc } from './gc.js';
import { globFile } from './glob-file.js';
import { inspectBranch } from './inspect-branch.js';
import { inspectCommit } from './inspect-commit.js';
import { inspectDatum } from './inspect-datum.js';
import { inspectJob } from './inspect-job.js';
import { inspectPipeline } from './inspect-pipeline.js';
import { inspectRepo } from './inspect-repo.js';
import { listBranch } from './list-branch.js';
import { listCommit } from './list-commit.js';
import { listDatum } from './list-datum.js';
import { listFile } from './list-file.js';
import { listJob } from './list-job.js';
import { listPipeline } from './list-pipeline.js';
import { listRepo } from './list-repo.js';
import { logs } from './logs.js';
import { nextDatum } from './next-datum.js';
import { provenance } from './provenance.js';
import { putFile } from './put-file.js';
import { renderPipeline } from './render-pipeline.js';
import { restartDatum } from './restart-datum.js';
import { runCron } from './run-cron.js';
import { experimentDiff } from './experiment-diff.js';
import { experimentPromote } from './experiment-promote.js';
import { experimentList } from './experiment-list.js';
import { experimentDelete } from './experiment-delete.js';
import { impact } from './impact.js';
import { runPipeline } from './run-pipeline.js';
import { rerunPipeline } from './rerun-pipeline.js';
import { startCommit } from './start-commit.js';
import { deleteTransaction, finishTransaction, inspectTransaction, listTransaction, startTransaction } from './transaction.js';
import { startPipeline } from './start-pipeline.js';
import { stopPipeline } from './stop-pipeline.js';
import { subvenance } from './subvenance.js';
import { createSecret, deleteSecret, inspectSecret, listSecret } from './secrets.js';
import { up } from './up.js';
import { updatePipeline } from './update-pipeline.js';
import { updateRepo } from './update-repo.js';
import { version } from './version.js';
import { waitCommit } from './wait-commit.js';
import { waitJob } from './wait-job.js';

export const COMMANDS: readonly CommandDef[] = [
  up,
  down,
  version,
  createRepo,
  listRepo,
  inspectRepo,
  deleteRepo,
  startCommit,
  finishCommit,
  listCommit,
  inspectCommit,
  waitCommit,
  subscribeCommit,
  findCommit,
  deleteCommit,
  squashCommit,
  putFile,
  getFile,
  listFile,
  globFile,
  inspectFile,
  copyFile,
  deleteFile,
  diffFile,
  createBranch,
  listBranch,
  inspectBranch,
  deleteBranch,
  startTransaction,
  finishTransaction,
  deleteTransaction,
  listTransaction,
  inspectTransaction,
  createPipeline,
  updatePipeline,
  updateRepo,
  validatePipeline,
  editPipeline,
  listPipeline,
  inspectPipeline,
  deletePipeline,
  stopPipeline,
  startPipeline,
  runPipeline,
  rerunPipeline,
  runCron,
  renderPipeline,
  createSecret,
  listSecret,
  inspectSecret,
  deleteSecret,
  impact,
  experimentList,
  experimentDiff,
  experimentPromote,
  experimentDelete,
  listJob,
  inspectJob,
  waitJob,
  stopJob,
  deleteJob,
  listDatum,
  inspectDatum,
  restartDatum,
  logs,
  provenance,
  subvenance,
  nextDatum,
  fsckCommand,
  authActivate,
  authLogin,
  authLogout,
  authWhoami,
  authRevoke,
  authGetRobotToken,
  authCreateS3Key,
  authSetRepo,
  authGetRepo,
  authSetCluster,
  gc,
  completion,
  configSetContext,
  configUseContext,
  configListContext,
];
