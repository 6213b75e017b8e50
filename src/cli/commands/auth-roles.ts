// tusk auth set repo REPO ROLE SUBJECT | get repo REPO | set cluster ROLE SUBJECT
import type { RoleBinding } from '../../client/auth-client.js';
import { emit, formatOf, outputOption, type CommandDef } from '../command.js';
import { formatTable } from '../output.js';

const ROLE_HELP = 'repoReader, repoWriter, repoOwner (clusterAdmin: cluster-wide only), or none to remove';
const SUBJECT_HELP = 'user:NAME, robot:NAME or pipeline:NAME';

function bindingsTable(bindings: readonly RoleBinding[]): string {
  return bindings.length === 0 ? 'No roles bound.' : formatTable(['SUBJECT', 'ROLE'], bindings.map((b) => [b.subject, b.role]));
}

export const authSetRepo: CommandDef = {
  words: ['auth', 'set', 'repo'],
  summary: "Bind a subject's role on a repo (repoOwner or clusterAdmin only); prints the repo's roles.",
  examples: ['tusk auth set repo sales repoReader user:alice', 'tusk auth set repo sales repoWriter robot:ingest', 'tusk auth set repo sales none user:alice'],
  define(cmd, ctx) {
    cmd
      .argument('<repo>', 'the repo')
      .argument('<role>', ROLE_HELP)
      .argument('<subject>', SUBJECT_HELP)
      .addOption(outputOption())
      .action(async (repo: string, role: string, subject: string, opts) => {
        const res = await ctx.auth().setRepoRole(repo, role, subject);
        emit(ctx, formatOf(opts), () => ({ repo: res.repo, bindings: res.bindings }), () => bindingsTable(res.bindings));
      });
  },
};

export const authGetRepo: CommandDef = {
  words: ['auth', 'get', 'repo'],
  summary: 'Show the roles bound on a repo.',
  examples: ['tusk auth get repo sales', 'tusk auth get repo sales -o json'],
  define(cmd, ctx) {
    cmd
      .argument('<repo>', 'the repo')
      .addOption(outputOption())
      .action(async (repo: string, opts) => {
        const res = await ctx.auth().getRepoRoles(repo);
        emit(ctx, formatOf(opts), () => ({ repo: res.repo, bindings: res.bindings }), () => bindingsTable(res.bindings));
      });
  },
};

export const authSetCluster: CommandDef = {
  words: ['auth', 'set', 'cluster'],
  summary: "Bind a subject's role on every repo (clusterAdmin: everything); clusterAdmin only.",
  examples: ['tusk auth set cluster clusterAdmin user:alice', 'tusk auth set cluster repoReader robot:backup'],
  define(cmd, ctx) {
    cmd
      .argument('<role>', 'repoReader, repoWriter, repoOwner, clusterAdmin, or none to remove')
      .argument('<subject>', SUBJECT_HELP)
      .addOption(outputOption())
      .action(async (role: string, subject: string, opts) => {
        const res = await ctx.auth().setClusterRole(role, subject);
        emit(ctx, formatOf(opts), () => ({ bindings: res.bindings }), () => bindingsTable(res.bindings));
      });
  },
};
