// The console's one way to the daemon: the JSON API that mirrors the gRPC
// services (POST /api/<service>/<Method>, see src/server/json-gateway.ts).
// Every request goes through send(), the single place that adds the access
// token once the daemon asks for one.
import type { Commit, Datum, DiffEntry, ExperimentRepo, FileInfo, ImpactRow, Job, LogLine, Pipeline, ProvenanceNode, Repo, Branch, SeriesSample } from './types';

const TOKEN_KEY = 'tusk-token';

export class ApiError extends Error {
  constructor(readonly code: string, readonly kind: string, message: string, readonly status: number) {
    super(message);
  }

  get unauthenticated(): boolean {
    return this.status === 401 || this.code === 'Unauthenticated';
  }
}

export function setToken(token: string): void {
  if (token) localStorage.setItem(TOKEN_KEY, token);
  else localStorage.removeItem(TOKEN_KEY);
}

/** The event the console's shell listens to: the daemon wants a (valid) token, so it shows the sign-in page. */
export const UNAUTHENTICATED_EVENT = 'tusk-unauthenticated';

async function send(path: string, body: BodyInit | undefined, headers: Record<string, string> = {}, signal?: AbortSignal): Promise<Response> {
  const token = localStorage.getItem(TOKEN_KEY);
  const res = await fetch(path, { method: 'POST', body, signal, headers: { ...headers, ...(token ? { 'authn-token': token } : {}) } });
  if (!res.ok) {
    const e = (await res.json().catch(() => ({}))) as { code?: string; kind?: string; message?: string };
    const error = new ApiError(e.code ?? 'HttpError', e.kind ?? 'internal', e.message ?? `${res.status} ${res.statusText}`, res.status);
    if (error.unauthenticated) window.dispatchEvent(new CustomEvent(UNAUTHENTICATED_EVENT, { detail: error.message }));
    throw error;
  }
  return res;
}

/** One unary call, or a server stream gathered into an array of its messages. */
export async function call<T>(method: string, request: object = {}): Promise<T> {
  const res = await send(`/api/${method}`, JSON.stringify(request), { 'content-type': 'application/json' });
  return (await res.json()) as T;
}

/** A server stream as it comes: calls `onMessage` per message until it ends or `signal` aborts. */
export async function follow<T>(method: string, request: object, onMessage: (m: T) => void, signal: AbortSignal): Promise<void> {
  const res = await send(`/api/${method}`, JSON.stringify(request), { 'content-type': 'application/json', accept: 'text/event-stream' }, signal);
  await readEvents(res, (event, data) => {
    if (event === 'error') throw new ApiError('StreamFailed', 'internal', (JSON.parse(data) as { message: string }).message, 500);
    onMessage(JSON.parse(data) as T);
  });
}

/** The daemon's change events (GET-less: fetched with send() so a token applies here too). */
export async function changes(onChange: (changes: Change[]) => void, signal: AbortSignal): Promise<void> {
  const res = await send('/api/events', undefined, { accept: 'text/event-stream' }, signal);
  await readEvents(res, (event, data) => {
    if (event === 'change') onChange(JSON.parse(data) as Change[]);
  });
}

async function readEvents(res: Response, onEvent: (event: string, data: string) => void): Promise<void> {
  const reader = res.body!.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = '';
  for (;;) {
    const { value, done } = await reader.read();
    if (done) return;
    buffer += value;
    let end: number;
    while ((end = buffer.indexOf('\n\n')) >= 0) {
      const block = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      let event = 'message';
      const data: string[] = [];
      for (const line of block.split('\n')) {
        if (line.startsWith('event: ')) event = line.slice(7);
        else if (line.startsWith('data: ')) data.push(line.slice(6));
      }
      if (data.length > 0) onEvent(event, data.join('\n'));
    }
  }
}

export interface Change {
  kind: 'job' | 'datum' | 'commit' | 'branch' | 'pipeline' | 'repo';
  repo?: string;
  pipeline?: string;
  id?: string;
  state?: string;
}

/** A file's bytes (at most `length` from the start when given). */
export async function fileBytes(file: string, length = 0): Promise<Blob> {
  const res = await send('/api/tusk.pfs.PfsApi/GetFile', JSON.stringify({ file, length }), { 'content-type': 'application/json' });
  return res.blob();
}

/** Puts one local file at `path` in a new commit on `target` (REPO@BRANCH). */
export async function upload(target: string, path: string, data: Blob, description = ''): Promise<{ commit: Commit }> {
  const q = new URLSearchParams({ target, path, description });
  const res = await send(`/api/tusk.pfs.PfsApi/ModifyFile?${q}`, data, { 'content-type': 'application/octet-stream' });
  return (await res.json()) as { commit: Commit };
}

/** The daemon's /metrics text. */
export async function metricsText(): Promise<string> {
  const res = await fetch('/metrics');
  return res.text();
}

const PFS = 'tusk.pfs.PfsApi';
const PPS = 'tusk.pps.PpsApi';

/** Typed wrappers, one per method the views use (names as in the .proto). */
export const api = {
  listRepo: async () => (await call<{ repos: Repo[] }>(`${PFS}/ListRepo`)).repos,
  inspectRepo: (name: string) => call<Repo>(`${PFS}/InspectRepo`, { name }),
  createRepo: (name: string, description: string) => call<Repo>(`${PFS}/CreateRepo`, { name, description }),
  listBranch: async (repo: string) => (await call<{ branches: Branch[] }>(`${PFS}/ListBranch`, { repo })).branches,
  createBranch: (branch: string, head: string) => call<Branch>(`${PFS}/CreateBranch`, { branch, head }),
  listCommit: async (repo: string, branch: string, limit = 100) => (await call<{ commits: Commit[] }>(`${PFS}/ListCommit`, { repo, branch, limit })).commits,
  inspectCommit: (commit: string) => call<Commit>(`${PFS}/InspectCommit`, { commit }),
  commitSet: async (id: string) => (await call<{ commits: Commit[] }>(`${PFS}/InspectCommitSet`, { id })).commits,
  inspectFile: (file: string) => call<FileInfo>(`${PFS}/InspectFile`, { file }),
  listFile: async (dir: string) => (await call<{ files: FileInfo[] }[]>(`${PFS}/ListFile`, { dir })).flatMap((b) => b.files),
  diffFile: async (newRef: string, oldRef: string) => (await call<{ entries: DiffEntry[] }[]>(`${PFS}/DiffFile`, { newRef, oldRef })).flatMap((b) => b.entries),
  listPipeline: async () => (await call<{ pipelines: Pipeline[] }>(`${PPS}/ListPipeline`)).pipelines,
  inspectPipeline: (name: string) => call<Pipeline>(`${PPS}/InspectPipeline`, { name }),
  pipelineSeries: (name: string) => call<{ samples?: SeriesSample[]; intervalSeconds?: number }>(`${PPS}/PipelineSeries`, { name }),
  runPipeline: (name: string, branch: string) => call<Job>(`${PPS}/RunPipeline`, { name, branch }),
  listJob: async (pipeline = '') => (await call<{ jobs: Job[] }>(`${PPS}/ListJob`, { pipeline })).jobs,
  inspectJob: (pipeline: string, id: string) => call<Job>(`${PPS}/InspectJob`, { pipeline, id }),
  listDatum: async (pipeline: string, job: string) => (await call<{ datums: Datum[] }[]>(`${PPS}/ListDatum`, { pipeline, job })).flatMap((b) => b.datums),
  inspectDatum: (pipeline: string, job: string, datum: string) => call<Datum>(`${PPS}/InspectDatum`, { pipeline, job, datum }),
  restartDatum: (pipeline: string, job: string, datum: string) => call<Job>(`${PPS}/RestartDatum`, { pipeline, job, datum }),
  logs: (pipeline: string, job: string, datum = '') => call<LogLine[]>(`${PPS}/GetLogs`, { pipeline, job, datum }),
  provenance: (ref: string) => call<ProvenanceNode>(`${PPS}/Provenance`, { ref }),
  subvenance: (ref: string) => call<ProvenanceNode>(`${PPS}/Subvenance`, { ref }),
  experimentDiff: async (branch: string) => (await call<{ repos: ExperimentRepo[] }>(`${PPS}/ExperimentDiff`, { branch })).repos,
  promote: (branch: string) => call<{ moved?: unknown }>(`${PPS}/PromoteExperiment`, { branch }),
  impact: async (ref: string) => (await call<{ rows: ImpactRow[] }>(`${PPS}/Impact`, { ref })).rows,
};
