// The normalized pipeline spec: what parsePipelineSpec returns after reading a
// Pachyderm-style YAML/JSON spec (snake_case or camelCase), with every default
// filled in and durations in milliseconds. The rest of Tusk reads only this shape.

export type Input = PfsInput | CronInput | CrossInput | UnionInput | JoinInput | GroupInput;

/** A leaf input: one repo branch whose commit's files become datum elements. */
export type LeafInput = PfsInput | CronInput;

export interface PfsInput {
  readonly type: 'pfs';
  /** Input name: the folder under /pfs and the env variable; defaults to the repo. */
  readonly name: string;
  readonly repo: string;
  /** Pachyderm's repo_type ("user" unless given); recorded, not used. */
  readonly repoType: string;
  readonly branch: string;
  /** A pinned commit, if the spec names one. */
  readonly commit?: string;
  /** Mounted whole in every datum (glob "/"), and its commits start no job (Pachyderm's `reference: true`). */
  readonly reference?: boolean;
  /** Also served as the S3 bucket named after the input by the sidecar (Pachyderm's `s3: true`; glob "/"). */
  readonly s3?: boolean;
  /** Normalized glob: leading '/', no trailing '/'. */
  readonly glob: string;
  readonly lazy: boolean;
  readonly emptyFiles: boolean;
  /** Join key template ("$1"); only inside a join. */
  readonly joinOn?: string;
  readonly outerJoin: boolean;
  /** Group key template; only inside a group. */
  readonly groupBy?: string;
  readonly trigger?: Trigger;
  /** Pachyderm project; accepted and ignored (Tusk has one namespace). */
  readonly project?: string;
}

export interface Trigger {
  readonly branch: string;
  readonly all: boolean;
  readonly rateLimitSpec?: string;
  readonly cronSpec?: string;
  readonly size?: string;
  readonly commits?: number;
}

export interface CronInput {
  readonly type: 'cron';
  readonly name: string;
  /** Cron expression ("*\/10 * * * *", "@every 1m", "@daily"). */
  readonly spec: string;
  /** The repo ticks are committed to; defaults to "<pipeline>_<name>". */
  readonly repo: string;
  /** Always "master". */
  readonly branch: string;
  /** Always "/": a cron datum holds the whole tick repo. */
  readonly glob: string;
  /** ISO time of the first tick, if given. */
  readonly start?: string;
  /** true: each tick replaces the previous timestamp file; false: adds a new one. */
  readonly overwrite: boolean;
  readonly lazy: false;
  readonly emptyFiles: false;
  readonly project?: string;
}

export interface CrossInput {
  readonly type: 'cross';
  readonly inputs: readonly Input[];
}
export interface UnionInput {
  readonly type: 'union';
  readonly inputs: readonly Input[];
}
/** Children are pfs inputs with joinOn. */
export interface JoinInput {
  readonly type: 'join';
  readonly inputs: readonly PfsInput[];
}
/** Children are pfs inputs with groupBy. */
export interface GroupInput {
  readonly type: 'group';
  readonly inputs: readonly PfsInput[];
}

export interface Secret {
  readonly name: string;
  readonly key: string;
  readonly mountPath: string;
  readonly envVar: string;
}

export interface Transform {
  /** Container image; the local runtime ignores it. */
  readonly image: string;
  readonly cmd: readonly string[];
  /** Lines written to the command's standard input. */
  readonly stdin: readonly string[];
  readonly env: Readonly<Record<string, string>>;
  readonly secrets: readonly Secret[];
  readonly errCmd: readonly string[];
  readonly errStdin: readonly string[];
  /** Exit codes other than 0 that still count as success. */
  readonly acceptReturnCode: readonly number[];
  readonly user: string;
  readonly workingDir: string;
  /** One user process loops over datums (`tusk next datum`). */
  readonly datumBatching: boolean;
  readonly debug: boolean;
  /** Secrets the kubelet pulls `image` with (Kubernetes runtime only). */
  readonly imagePullSecrets?: readonly string[];
  /** /pfs on a memory-backed volume (Kubernetes runtime only). */
  readonly memoryVolume?: boolean;
}

export interface Gpu {
  readonly type: string;
  readonly number: number;
}

export interface Resources {
  readonly cpu?: number;
  readonly memory?: string;
  readonly gpu?: Gpu;
  readonly disk?: string;
}

/** A Kubernetes toleration, in Kubernetes' spelling (Pachyderm's enum names are translated). */
export interface Toleration {
  readonly key: string;
  readonly operator: 'Exists' | 'Equal';
  readonly value: string;
  /** '' tolerates every effect. */
  readonly effect: '' | 'NoSchedule' | 'PreferNoSchedule' | 'NoExecute';
  readonly tolerationSeconds?: number;
}

/** One RFC 6902 JSON patch operation over the generated worker pod spec. */
export interface JsonPatchOp {
  readonly op: 'add' | 'remove' | 'replace' | 'move' | 'copy' | 'test';
  readonly path: string;
  readonly from?: string;
  readonly value?: unknown;
}

/**
 * How the Kubernetes runtime places a pipeline's worker pods. Every field is
 * optional; the local runtime ignores all of them.
 */
export interface PodOptions {
  readonly sidecarResourceRequests?: Resources;
  readonly sidecarResourceLimits?: Resources;
  readonly nodeSelector?: Readonly<Record<string, string>>;
  readonly priorityClassName?: string;
  readonly tolerations?: readonly Toleration[];
  readonly serviceAccount?: string;
  /** pod_patch: a JSON patch applied to the generated pod spec. */
  readonly podPatch?: readonly JsonPatchOp[];
  /** pod_spec: a JSON merge patch applied to the generated pod spec (before pod_patch). */
  readonly podSpec?: Readonly<Record<string, unknown>>;
}

export interface DatumSetSpec {
  readonly number: number;
  readonly sizeBytes: number;
  readonly perWorker: number;
}

export type ReprocessSpec = 'until_success' | 'every_job';

export interface PipelineSpec {
  readonly name: string;
  /** Pachyderm project; accepted and ignored (Tusk has one namespace). */
  readonly project?: string;
  readonly description: string;
  readonly input: Input;
  readonly transform: Transform;
  /** parallelism_spec.constant; default 1. */
  readonly parallelismSpec: { readonly constant: number };
  /** Tusk's own: `sandbox_spec.network: false` gives the code a network namespace of its own (no network but loopback). */
  readonly sandboxSpec?: { readonly network: boolean };
  readonly resourceRequests?: Resources;
  readonly resourceLimits?: Resources;
  readonly datumTimeoutMs?: number;
  /** Attempts per datum before it fails; default 3. */
  readonly datumTries: number;
  readonly jobTimeoutMs?: number;
  /** Default "master". */
  readonly outputBranch: string;
  readonly egress?: { readonly url: string };
  /** Pachyderm's s3_out: the sidecar serves the datum's output as the S3 bucket `out`. */
  readonly s3Out?: boolean;
  /** Default "until_success". */
  readonly reprocessSpec: ReprocessSpec;
  readonly datumSetSpec?: DatumSetSpec;
  readonly autoscaling: boolean;
  readonly standby: boolean;
  /** Changes every datum ID (Pachyderm's salt): a way to force reprocessing. */
  readonly salt: string;
  readonly metadata?: { readonly annotations: Readonly<Record<string, string>>; readonly labels: Readonly<Record<string, string>> };
  /** Kubernetes placement (sidecar resources, scheduling, patches); absent when the spec sets none. */
  readonly pod?: PodOptions;
  /** The spec asks to update an existing pipeline (`"update": true`). */
  readonly update: boolean;
  /** The spec asks to reprocess every datum (`"reprocess": true`). */
  readonly reprocess: boolean;
  /** The spec asks only to check it, not to create anything (`"dry_run": true`). */
  readonly dryRun: boolean;
  /**
   * Paths of real Pachyderm fields the spec set that Tusk accepts but does not use
   * (spec_commit, maximum_expected_uptime, transform.dockerfile), so a caller can warn about them.
   */
  readonly ignoredFields: readonly string[];
}
