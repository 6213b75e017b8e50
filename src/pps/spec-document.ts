// The normalized spec written back in Pachyderm's own shape (snake_case,
// `pipeline.name`, `input.pfs`, durations as "1m30s"), for `tusk edit
// pipeline`: what a user edits and sends back parses to the same spec.
// Defaults and empty fields are left out so the document reads like one a
// person wrote. Fields Tusk ignores (ignoredFields) are not kept, so they are
// not written back.
import { formatDuration } from '../worker-protocol/duration.js';
import type { Input, PfsInput, PipelineSpec, Resources } from './spec.js';

type Doc = Record<string, unknown>;

export function specDocument(spec: PipelineSpec): Doc {
  const t = spec.transform;
  const transform = compact({
    image: t.image,
    cmd: t.cmd,
    stdin: t.stdin,
    env: Object.keys(t.env).length > 0 ? t.env : undefined,
    secrets: t.secrets.map((s) => compact({ name: s.name, key: s.key, mount_path: s.mountPath, env_var: s.envVar })),
    err_cmd: t.errCmd,
    err_stdin: t.errStdin,
    accept_return_code: t.acceptReturnCode,
    user: t.user,
    working_dir: t.workingDir,
    datum_batching: t.datumBatching || undefined,
    debug: t.debug || undefined,
  });
  return compact({
    pipeline: compact({ name: spec.name, project: spec.project ? { name: spec.project } : undefined }),
    description: spec.description,
    input: inputDocument(spec.input),
    transform,
    parallelism_spec: spec.parallelismSpec.constant !== 1 ? { constant: spec.parallelismSpec.constant } : undefined,
    resource_requests: resources(spec.resourceRequests),
    resource_limits: resources(spec.resourceLimits),
    datum_timeout: spec.datumTimeoutMs !== undefined ? formatDuration(spec.datumTimeoutMs) : undefined,
    datum_tries: spec.datumTries !== 3 ? spec.datumTries : undefined,
    job_timeout: spec.jobTimeoutMs !== undefined ? formatDuration(spec.jobTimeoutMs) : undefined,
    output_branch: spec.outputBranch !== 'master' ? spec.outputBranch : undefined,
    egress: spec.egress ? { URL: spec.egress.url } : undefined,
    s3_out: spec.s3Out || undefined,
    reprocess_spec: spec.reprocessSpec !== 'until_success' ? spec.reprocessSpec : undefined,
    datum_set_spec: spec.datumSetSpec ? compact({ number: spec.datumSetSpec.number || undefined, size_bytes: spec.datumSetSpec.sizeBytes || undefined, per_worker: spec.datumSetSpec.perWorker || undefined }) : undefined,
    autoscaling: spec.autoscaling || undefined,
    standby: spec.standby || undefined,
    salt: spec.salt,
    metadata: spec.metadata && (Object.keys(spec.metadata.annotations).length || Object.keys(spec.metadata.labels).length) ? compact({ annotations: spec.metadata.annotations, labels: spec.metadata.labels }) : undefined,
  });
}

function inputDocument(input: Input): Doc {
  switch (input.type) {
    case 'pfs':
      return { pfs: pfsDocument(input) };
    case 'cron':
      return { cron: compact({ name: input.name, spec: input.spec, repo: input.repo !== '' ? input.repo : undefined, start: input.start, overwrite: input.overwrite || undefined }) };
    case 'cross':
    case 'union':
      return { [input.type]: input.inputs.map(inputDocument) };
    case 'join':
    case 'group':
      return { [input.type]: input.inputs.map((i) => ({ pfs: pfsDocument(i) })) };
  }
}

function pfsDocument(i: PfsInput): Doc {
  return compact({
    name: i.name !== i.repo ? i.name : undefined,
    repo: i.repo,
    repo_type: i.repoType !== 'user' ? i.repoType : undefined,
    branch: i.branch !== 'master' ? i.branch : undefined,
    commit: i.commit,
    glob: i.glob,
    reference: i.reference || undefined,
    s3: i.s3 || undefined,
    lazy: i.lazy || undefined,
    empty_files: i.emptyFiles || undefined,
    join_on: i.joinOn,
    outer_join: i.outerJoin || undefined,
    group_by: i.groupBy,
    trigger: i.trigger ? compact({ branch: i.trigger.branch, all: i.trigger.all || undefined, rate_limit_spec: i.trigger.rateLimitSpec, cron_spec: i.trigger.cronSpec, size: i.trigger.size, commits: i.trigger.commits }) : undefined,
    project: i.project ? { name: i.project } : undefined,
  });
}

function resources(r: Resources | undefined): Doc | undefined {
  if (!r) return undefined;
  return compact({ cpu: r.cpu, memory: r.memory, gpu: r.gpu ? { type: r.gpu.type, number: r.gpu.number } : undefined, disk: r.disk });
}

/** Drops undefined, '' and empty arrays. */
function compact(o: Doc): Doc {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined && v !== '' && !(Array.isArray(v) && v.length === 0)));
}
