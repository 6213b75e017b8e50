// Pipeline spec text or object → normalized PipelineSpec. Accepts Pachyderm 2's
// field names in snake_case or camelCase; fills defaults; reports every problem
// at once as one InvalidSpec whose entries name their field paths.
//
// Real Pachyderm fields fall in three groups: used (the PipelineSpec fields,
// the Kubernetes placement ones read in spec-pod.ts); accepted and ignored
// (listed in `ignoredFields` so callers can warn); refused with "not supported by Tusk"
// because ignoring them would change what the pipeline does (service,
// spout, tf_job, determined, egress to object storage or SQL). Any other
// field is "unknown field".
import { InvalidSpec, type SpecProblem } from '../errors/index.js';
import type { DatumSetSpec, Input, PipelineSpec, Resources, Secret, Transform } from './spec.js';
import { type Field, type Fields, SpecReader } from './spec-fields.js';
import { checkName, readInput, readProject } from './spec-input.js';
import { POD_FIELDS, readPodOptions } from './spec-pod.js';
import { parseSpecDocuments, type SpecFormat } from './spec-text.js';
import { validatePipelineSpec } from './spec-validate.js';

const USED = [
  'pipeline', 'description', 'input', 'transform', 'parallelism_spec', 'resource_requests', 'resource_limits',
  'datum_timeout', 'datum_tries', 'job_timeout', 'output_branch', 'egress', 'reprocess_spec', 'datum_set_spec',
  'autoscaling', 'standby', 'salt', 'metadata', 'update', 'reprocess', 'dry_run', 'sandbox_spec', 's3_out', 'spout',
];
const IGNORED = ['spec_commit', 'maximum_expected_uptime'];
const UNSUPPORTED = ['service', 'tf_job', 'determined'];
const TRANSFORM_FIELDS = [
  'image', 'cmd', 'stdin', 'env', 'secrets', 'image_pull_secrets', 'err_cmd', 'err_stdin', 'accept_return_code',
  'debug', 'user', 'working_dir', 'dockerfile', 'memory_volume', 'datum_batching',
];
const TRANSFORM_IGNORED = ['dockerfile'];
const RESOURCE_FIELDS = ['cpu', 'memory', 'gpu', 'disk'];
const QUANTITY = /^\+?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+|[KMGTPE]i|[numkMGTPE])?$/;

/** Parses one pipeline spec (YAML or JSON). Throws InvalidSpec listing every problem. */
export function parsePipelineSpec(text: string, format?: SpecFormat): PipelineSpec {
  const specs = parsePipelineSpecs(text, format);
  if (specs.length !== 1) throw new InvalidSpec([{ path: '', problem: specs.length === 0 ? 'the spec is empty' : `the file holds ${specs.length} pipeline specs; expected one` }]);
  return specs[0]!;
}

/** Parses a file of one or more specs (YAML documents separated by "---", or JSON objects one after another). */
export function parsePipelineSpecs(text: string, format?: SpecFormat): PipelineSpec[] {
  try {
    return readPipelineSpecs(text, format);
  } catch (err) {
    // specTextProblem bounds nesting before parsing; this is the net under it, never a bare stack overflow.
    if (err instanceof RangeError) throw new InvalidSpec([{ path: '', problem: `the spec cannot be read: ${err.message}` }]);
    throw err;
  }
}

function readPipelineSpecs(text: string, format?: SpecFormat): PipelineSpec[] {
  const parsed = parseSpecDocuments(text, format);
  if (!parsed.ok) throw new InvalidSpec(parsed.problems);
  const specs: PipelineSpec[] = [];
  const problems: SpecProblem[] = [];
  parsed.docs.forEach((doc, i) => {
    const result = readPipelineSpec(doc);
    if (Array.isArray(result)) {
      const prefix = parsed.docs.length > 1 ? `spec ${i + 1}: ` : '';
      for (const p of result) problems.push({ path: prefix + p.path, problem: p.problem });
    } else {
      specs.push(result);
    }
  });
  if (problems.length) throw new InvalidSpec(problems);
  return specs;
}

/** Normalizes an already-parsed spec object. Throws InvalidSpec listing every problem. */
export function normalizePipelineSpec(raw: unknown): PipelineSpec {
  const result = readPipelineSpec(raw);
  if (Array.isArray(result)) throw new InvalidSpec(result);
  return result;
}

function readPipelineSpec(raw: unknown): PipelineSpec | SpecProblem[] {
  const r = new SpecReader();
  const top = r.object(raw, '', [...USED, ...POD_FIELDS, ...IGNORED, ...UNSUPPORTED]);
  if (!top) return r.problems;

  const pipelineField = r.required(top, 'pipeline', '');
  let name: string | undefined;
  let project: string | undefined;
  if (pipelineField) {
    const p = r.object(pipelineField.value, pipelineField.path, ['name', 'project']);
    if (p) {
      name = checkName(r, r.required(p, 'name', pipelineField.path), 'pipeline');
      project = readProject(r, p.get('project'));
    }
  }
  // A spout has no input: its one long-running process brings the data in (pachctl put file).
  const spoutField = top.get('spout');
  const spoutFields = spoutField && r.object(spoutField.value, spoutField.path, ['overwrite', 'service']);
  const spoutService = spoutFields?.get('service');
  if (spoutService && !isEmptyObject(spoutService.value)) r.add(spoutService.path, 'not supported by Tusk (a spout here has no service to expose)');
  const spout = spoutFields ? { overwrite: r.boolean(spoutFields.get('overwrite')) ?? false } : undefined;
  if (spout && top.has('input')) r.add(top.get('input')!.path, 'a spout pipeline has no input (its code brings the data in)');
  const inputField = spout ? undefined : r.required(top, 'input', '');
  const input: Input | undefined = inputField && readInput(r, inputField.value, inputField.path, name ?? '');
  const transformField = r.required(top, 'transform', '');
  const ignoredFields: string[] = [];
  const transform = transformField && readTransform(r, transformField, ignoredFields);

  let parallelism = 1;
  const ps = top.get('parallelism_spec');
  if (ps) {
    const f = r.object(ps.value, ps.path, ['constant']);
    const n = f && r.integer(f.get('constant'), 0);
    if (n) parallelism = n;
  }
  if (spout && parallelism !== 1) r.add(top.get('parallelism_spec')!.path, 'a spout runs one process: parallelism_spec.constant must be 1');
  let network = true;
  const ss = top.get('sandbox_spec');
  if (ss) {
    const f = r.object(ss.value, ss.path, ['network']);
    network = (f && r.boolean(f.get('network'))) ?? true;
  }
  const egress = readEgress(r, top.get('egress'));
  const datumSetSpec = readDatumSetSpec(r, top.get('datum_set_spec'));
  const metadata = readMetadata(r, top.get('metadata'));
  const resourceRequests = readResources(r, top.get('resource_requests'));
  const resourceLimits = readResources(r, top.get('resource_limits'));
  const datumTimeoutMs = r.duration(top.get('datum_timeout'));
  const jobTimeoutMs = r.duration(top.get('job_timeout'));
  const datumTries = r.integer(top.get('datum_tries'), 0);
  const pod = readPodOptions(r, top, (f) => readResources(r, f));
  const outputBranch = top.has('output_branch') ? checkName(r, top.get('output_branch'), 'branch') : 'master';

  for (const key of IGNORED) {
    const f = top.get(key);
    if (!f) continue;
    if (key === 'maximum_expected_uptime') r.duration(f);
    ignoredFields.push(f.path);
  }
  for (const key of UNSUPPORTED) {
    const f = top.get(key);
    if (f && f.value !== false && !isEmptyObject(f.value)) r.add(f.path, 'not supported by Tusk');
  }
  const spec: PipelineSpec = {
    name: name ?? '',
    ...(project !== undefined && { project }),
    description: r.string(top.get('description')) ?? '',
    input: input ?? { type: 'union', inputs: [] },
    ...(spout && { spout }),
    transform: transform ?? emptyTransform(),
    parallelismSpec: { constant: parallelism },
    ...(!network && { sandboxSpec: { network } }),
    ...(resourceRequests && { resourceRequests }),
    ...(resourceLimits && { resourceLimits }),
    ...(datumTimeoutMs !== undefined && { datumTimeoutMs }),
    datumTries: datumTries || 3,
    ...(jobTimeoutMs !== undefined && { jobTimeoutMs }),
    outputBranch: outputBranch ?? 'master',
    ...(egress && { egress }),
    ...(r.boolean(top.get('s3_out')) === true && { s3Out: true }),
    reprocessSpec: r.oneOf(top.get('reprocess_spec'), ['until_success', 'every_job'] as const) ?? 'until_success',
    ...(datumSetSpec && { datumSetSpec }),
    autoscaling: r.boolean(top.get('autoscaling')) ?? false,
    standby: r.boolean(top.get('standby')) ?? false,
    salt: r.string(top.get('salt')) ?? '',
    ...(metadata && { metadata }),
    ...(pod && { pod }),
    update: r.boolean(top.get('update')) ?? false,
    reprocess: r.boolean(top.get('reprocess')) ?? false,
    dryRun: r.boolean(top.get('dry_run')) ?? false,
    ignoredFields,
  };
  if (input || spout) r.problems.push(...validatePipelineSpec(spec));
  return r.problems.length ? r.problems : spec;
}

function isEmptyObject(v: unknown): boolean {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && Object.keys(v).length === 0;
}

function emptyTransform(): Transform {
  return { image: '', cmd: [], stdin: [], env: {}, secrets: [], errCmd: [], errStdin: [], acceptReturnCode: [], user: '', workingDir: '', datumBatching: false, debug: false };
}

function readTransform(r: SpecReader, f: Field, ignoredFields: string[]): Transform | undefined {
  const t = r.object(f.value, f.path, TRANSFORM_FIELDS);
  if (!t) return undefined;
  for (const k of TRANSFORM_IGNORED) {
    const g = t.get(k);
    if (g) ignoredFields.push(g.path);
  }
  const cmdField = r.required(t, 'cmd', f.path);
  const cmd = r.stringList(cmdField);
  if (cmd && cmd.length === 0) r.add(cmdField!.path, 'must name the command to run');
  const imagePullSecrets = r.stringList(t.get('image_pull_secrets'));
  const memoryVolume = r.boolean(t.get('memory_volume'));
  return {
    image: r.string(t.get('image')) ?? '',
    cmd: cmd ?? [],
    stdin: r.stringList(t.get('stdin')) ?? [],
    env: r.stringMap(t.get('env')) ?? {},
    secrets: readSecrets(r, t.get('secrets')),
    errCmd: r.stringList(t.get('err_cmd')) ?? [],
    errStdin: r.stringList(t.get('err_stdin')) ?? [],
    acceptReturnCode: r.integerList(t.get('accept_return_code'), 0) ?? [],
    user: r.string(t.get('user')) ?? '',
    workingDir: r.string(t.get('working_dir')) ?? '',
    datumBatching: r.boolean(t.get('datum_batching')) ?? false,
    debug: r.boolean(t.get('debug')) ?? false,
    ...(imagePullSecrets && imagePullSecrets.length > 0 && { imagePullSecrets }),
    ...(memoryVolume && { memoryVolume }),
  };
}

function readSecrets(r: SpecReader, f: Field | undefined): Secret[] {
  const out: Secret[] = [];
  for (const item of r.list(f) ?? []) {
    const s = r.object(item.value, item.path, ['name', 'key', 'mount_path', 'env_var']);
    if (!s) continue;
    out.push({
      name: r.nonEmpty(r.required(s, 'name', item.path)) ?? '',
      key: r.string(s.get('key')) ?? '',
      mountPath: r.string(s.get('mount_path')) ?? '',
      envVar: r.string(s.get('env_var')) ?? '',
    });
  }
  return out;
}

function readResources(r: SpecReader, f: Field | undefined): Resources | undefined {
  if (!f) return undefined;
  const o = r.object(f.value, f.path, RESOURCE_FIELDS);
  if (!o) return undefined;
  const cpu = r.number(o.get('cpu'));
  const memory = quantity(r, o.get('memory'));
  const disk = quantity(r, o.get('disk'));
  let gpu: Resources['gpu'];
  const g = o.get('gpu');
  if (g) {
    const go = r.object(g.value, g.path, ['type', 'number']);
    if (go) gpu = { type: r.string(go.get('type')) ?? '', number: r.integer(go.get('number'), 0) ?? 0 };
  }
  return { ...(cpu !== undefined && { cpu }), ...(memory !== undefined && { memory }), ...(gpu && { gpu }), ...(disk !== undefined && { disk }) };
}

function quantity(r: SpecReader, f: Field | undefined): string | undefined {
  if (f && typeof f.value === 'number') return String(f.value);
  const s = r.string(f);
  if (s === undefined) return undefined;
  if (!QUANTITY.test(s)) {
    r.add(f!.path, `${JSON.stringify(s)} is not a quantity (use e.g. 512M, 1Gi, 10G)`);
    return undefined;
  }
  return s;
}

function readEgress(r: SpecReader, f: Field | undefined): { url: string } | undefined {
  if (!f) return undefined;
  const e = r.object(f.value, f.path, ['url', 'object_storage', 'sql_database'], { URL: 'url' });
  if (!e) return undefined;
  for (const k of ['object_storage', 'sql_database']) if (e.has(k)) r.add(e.get(k)!.path, 'not supported by Tusk (use URL)');
  const urlField = e.get('url');
  const url = r.nonEmpty(urlField);
  if (url === undefined) {
    if (!urlField && !e.has('object_storage') && !e.has('sql_database')) r.add(`${f.path}.URL`, 'required');
    return undefined;
  }
  if (!/^[A-Za-z][A-Za-z0-9+.-]*:\/\//.test(url)) {
    r.add(urlField!.path, `${JSON.stringify(url)} is not a URL (e.g. s3://bucket/dir)`);
    return undefined;
  }
  // Egress writes to S3 (or anything that speaks it): other schemes would only fail when a job ends.
  if (!/^s3:\/\/[^/?#]+/i.test(url)) {
    r.add(urlField!.path, `${JSON.stringify(url)} is not an s3:// URL (egress writes to S3 or an S3-compatible store, e.g. s3://bucket/dir)`);
    return undefined;
  }
  return { url };
}

function readDatumSetSpec(r: SpecReader, f: Field | undefined): DatumSetSpec | undefined {
  if (!f) return undefined;
  const d: Fields | undefined = r.object(f.value, f.path, ['number', 'size_bytes', 'per_worker']);
  if (!d) return undefined;
  return {
    number: r.integer(d.get('number'), 0) ?? 0,
    sizeBytes: r.integer(d.get('size_bytes'), 0) ?? 0,
    perWorker: r.integer(d.get('per_worker'), 0) ?? 0,
  };
}

function readMetadata(r: SpecReader, f: Field | undefined): PipelineSpec['metadata'] {
  if (!f) return undefined;
  const m = r.object(f.value, f.path, ['annotations', 'labels']);
  if (!m) return undefined;
  return { annotations: r.stringMap(m.get('annotations')) ?? {}, labels: r.stringMap(m.get('labels')) ?? {} };
}
