// The small read-only calls of the file and pipeline commands (`list repo`,
// `inspect branch`, `list pipeline`, ...) made to the daemon on this machine over its HTTP API (see
// local-gateway.ts), whose JSON answer is the message the gRPC call returns:
// loading and starting grpc-js and Node's http2 for one small answer is ~30 ms
// of CPU at every such command, several times the daemon's own work. Anywhere
// the HTTP API does not apply (another daemon, TLS, nothing listening at its
// port), the call goes over gRPC (TuskClient, PpsClient) as before. Each method
// sends the request its client namesake sends and returns what that returns.
import type { Branch, Commit, FileInfo, Job, Pipeline, PpsClient, Repo, TuskClient } from '../client/index.js';
import type { CliContext, FilesContext } from './context.js';
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
    const answer = await localCall(this.ctx, `tusk.pfs.PfsApi/${method}`, request, field);
    if (answer !== undefined) return answer as T;
    await this.ctx.loadClient();
    return overGrpc(this.ctx.client());
  }
}

/** The same for the pipeline commands' reads (PpsApi). */
export class LocalPpsReads {
  constructor(private readonly ctx: CliContext) {}

  inspectPipeline(name: string): Promise<Pipeline> {
    return this.call('InspectPipeline', { name, force: false }, (c) => c.inspectPipeline(name));
  }
  listPipelines(): Promise<Pipeline[]> {
    return this.call('ListPipeline', {}, (c) => c.listPipelines(), 'pipelines');
  }
  listJobs(pipeline: string): Promise<Job[]> {
    return this.call('ListJob', { pipeline }, (c) => c.listJobs(pipeline), 'jobs');
  }
  inspectJob(pipeline: string, id: string): Promise<Job> {
    return this.call('InspectJob', { pipeline, id, wait: false }, (c) => c.inspectJob(pipeline, id));
  }

  private async call<T>(method: string, request: object, overGrpc: (client: PpsClient) => Promise<T>, field?: string): Promise<T> {
    const answer = await localCall(this.ctx, `tusk.pps.PpsApi/${method}`, request, field);
    if (answer !== undefined) return answer as T;
    await this.ctx.loadClient('all');
    return overGrpc(this.ctx.pps());
  }
}

/** `method`'s answer (or its field `field`) from the local daemon's HTTP API; undefined where that does not apply. */
async function localCall(ctx: FilesContext, method: string, request: object, field: string | undefined): Promise<unknown> {
  const gateway = localGateway(ctx);
  const answer = gateway ? await gatewayCall(ctx, gateway, method, request) : undefined;
  return answer === undefined || field === undefined ? answer : (answer as Record<string, unknown>)[field];
}
