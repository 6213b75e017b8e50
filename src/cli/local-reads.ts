// The small read-only calls of the file commands (`list repo`, `inspect
// branch`, ...) made to the daemon on this machine over its HTTP API (see
// local-gateway.ts), whose JSON answer is the message the gRPC call returns:
// loading and starting grpc-js and Node's http2 for one small answer is ~30 ms
// of CPU at every such command, several times the daemon's own work. Anywhere
// the HTTP API does not apply (another daemon, TLS, nothing listening at its
// port), the call goes over gRPC (TuskClient) as before. Each method sends the
// request its TuskClient namesake sends and returns what that returns.
import type { Branch, Commit, FileInfo, Repo, TuskClient } from '../client/index.js';
import type { FilesContext } from './context.js';
import { gatewayCall, localGateway } from './local-gateway.js';

export class LocalReads {
  constructor(private readonly ctx: FilesContext) {}

  inspectRepo(name: string): Promise<Repo> {
    return this.call('InspectRepo', { name }, (c) => c.inspectRepo(name));
  }
  listRepos(): Promise<Repo[]> {
    return this.call('ListRepo', {}, (c) => c.listRepos(), 'repos');
  }
  inspectCommit(commit: string): Promise<Commit> {
    return this.call('InspectCommit', { commit, wait: false }, (c) => c.inspectCommit(commit));
  }
  listCommits(repo: string, branch: string, limit: number): Promise<Commit[]> {
    return this.call('ListCommit', { repo, branch, limit }, (c) => c.listCommits(repo, branch, limit), 'commits');
  }
  inspectBranch(branch: string): Promise<Branch> {
    return this.call('InspectBranch', { branch }, (c) => c.inspectBranch(branch));
  }
  listBranches(repo: string): Promise<Branch[]> {
    return this.call('ListBranch', { repo }, (c) => c.listBranches(repo), 'branches');
  }
  inspectFile(file: string): Promise<FileInfo> {
    return this.call('InspectFile', { file }, (c) => c.inspectFile(file));
  }

  /** PfsApi's `method` over the HTTP API (the answer, or its field `field`), else over gRPC with `overGrpc`. */
  private async call<T>(method: string, request: object, overGrpc: (client: TuskClient) => Promise<T>, field?: string): Promise<T> {
    const gateway = localGateway(this.ctx);
    const answer = gateway ? await gatewayCall(this.ctx, gateway, `tusk.pfs.PfsApi/${method}`, request) : undefined;
    if (answer !== undefined) return (field === undefined ? answer : (answer as Record<string, unknown>)[field]) as T;
    await this.ctx.loadClient();
    return overGrpc(this.ctx.client());
  }
}
