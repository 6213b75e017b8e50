// Every `tusk` command, in the order --help lists them.
import type { CommandDef } from '../command.js';
import { createBranch } from './create-branch.js';
import { createRepo } from './create-repo.js';
import { deleteBranch } from './delete-branch.js';
import { deleteFile } from './delete-file.js';
import { deleteRepo } from './delete-repo.js';
import { diffFile } from './diff-file.js';
import { down } from './down.js';
import { finishCommit } from './finish-commit.js';
import { getFile } from './get-file.js';
import { globFile } from './glob-file.js';
import { inspectBranch } from './inspect-branch.js';
import { inspectCommit } from './inspect-commit.js';
import { inspectRepo } from './inspect-repo.js';
import { listBranch } from './list-branch.js';
import { listCommit } from './list-commit.js';
import { listFile } from './list-file.js';
import { listRepo } from './list-repo.js';
import { putFile } from './put-file.js';
import { startCommit } from './start-commit.js';
import { up } from './up.js';
import { version } from './version.js';
import { waitCommit } from './wait-commit.js';

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
  putFile,
  getFile,
  listFile,
  globFile,
  deleteFile,
  diffFile,
  createBranch,
  listBranch,
  inspectBranch,
  deleteBranch,
];
