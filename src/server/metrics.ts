// What the daemon exposes at /metrics, in the Prometheus text format, through
// prom-client with one registry per daemon (no global state). Counters are fed
// by the daemon's edges (the gRPC interceptor, the S3 server, the metered
// object store, the observed pipeline store); the job and worker gauges are
// read from the pipeline system when Prometheus scrapes.
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { StoreMeter } from '../storage/metered-store.js';
import type { PipelineReading } from './pipeline-series.js';

/** What the scrape-time gauges read from the pipeline system and the cache. */
export interface MetricSources {
  /** Jobs per pipeline and state. */
  jobCounts(): Promise<{ pipeline: string; state: string; count: number }[]>;
  /** Running workers per pipeline. */
  workers(): Promise<{ pipeline: string; count: number }[]>;
}

const LATENCY_BUCKETS = [0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5, 30];
const DATUM_BUCKETS = [0.01, 0.05, 0.1, 0.5, 1, 5, 10, 60, 300, 1800];

export class Metrics {
  readonly registry = new Registry();
  private readonly datums: Counter<'pipeline' | 'state'>;
  private readonly datumSeconds: Histogram<'pipeline' | 'state'>;
  private readonly grpc: Counter<'method' | 'code'>;
  private readonly grpcSeconds: Histogram<'method' | 'code'>;
  private readonly s3: Counter<'operation' | 'code'>;
  private readonly s3Seconds: Histogram<'operation' | 'code'>;
  private readonly storeRequests: Counter<'op' | 'outcome'>;
  private readonly storeSeconds: Histogram<'op'>;
  private readonly storeBytes: Counter<'direction'>;
  private readonly storeObjects: Counter<'op'>;

  constructor(sources: MetricSources) {
    const registers = [this.registry];
    collectDefaultMetrics({ register: this.registry });
    const started = Date.now();
    new Gauge({ name: 'tusk_up', help: '1 while the daemon serves.', registers, collect() { this.set(1); } });
    new Gauge({ name: 'tusk_uptime_seconds', help: 'Seconds since the daemon started.', registers, collect() { this.set(Math.round((Date.now() - started) / 1000)); } });
    new Gauge({
      name: 'tusk_jobs', help: 'Jobs by pipeline and state.', labelNames: ['pipeline', 'state'], registers,
      async collect() {
        this.reset();
        for (const j of await sources.jobCounts()) this.set({ pipeline: j.pipeline, state: j.state }, j.count);
      },
    });
    new Gauge({
      name: 'tusk_workers_running', help: 'Running workers by pipeline.', labelNames: ['pipeline'], registers,
      async collect() {
        this.reset();
        for (const w of await sources.workers()) this.set({ pipeline: w.pipeline }, w.count);
      },
    });
    this.datums = new Counter({ name: 'tusk_datums_total', help: 'Datums that ended, by pipeline and state (success = processed, skipped = reused, failed).', labelNames: ['pipeline', 'state'], registers });
    this.datumSeconds = new Histogram({ name: 'tusk_datum_duration_seconds', help: 'Time user code ran for a datum.', labelNames: ['pipeline', 'state'], buckets: DATUM_BUCKETS, registers });
    this.grpc = new Counter({ name: 'tusk_grpc_requests_total', help: 'gRPC calls by method and status code.', labelNames: ['method', 'code'], registers });
    this.grpcSeconds = new Histogram({ name: 'tusk_grpc_request_duration_seconds', help: 'gRPC call latency by method and status code.', labelNames: ['method', 'code'], buckets: LATENCY_BUCKETS, registers });
    this.s3 = new Counter({ name: 'tusk_s3_requests_total', help: 'S3 gateway requests by S3 operation (GetObject, PutObject, ListObjectsV2, ...) and HTTP status code.', labelNames: ['operation', 'code'], registers });
    this.s3Seconds = new Histogram({ name: 'tusk_s3_request_duration_seconds', help: 'S3 gateway request latency by S3 operation and HTTP status code.', labelNames: ['operation', 'code'], buckets: LATENCY_BUCKETS, registers });
    this.storeRequests = new Counter({ name: 'tusk_object_store_requests_total', help: 'Object-store requests by operation and outcome.', labelNames: ['op', 'outcome'], registers });
    this.storeSeconds = new Histogram({ name: 'tusk_object_store_request_duration_seconds', help: 'Object-store request latency by operation.', labelNames: ['op'], buckets: LATENCY_BUCKETS, registers });
    this.storeBytes = new Counter({ name: 'tusk_object_store_bytes_total', help: 'Bytes read from and written to the object store.', labelNames: ['direction'], registers });
    this.storeObjects = new Counter({ name: 'tusk_object_store_objects_total', help: 'Objects written to and deleted from the object store.', labelNames: ['op'], registers });
  }

  /** Exports the local read cache's counters (only a daemon with a remote store has one). */
  watchCache(stats: () => { hits: number; misses: number; bytes: number }): void {
    const registers = [this.registry];
    new Gauge({ name: 'tusk_cache_hits', help: 'Object-store reads served by the local cache since start.', registers, collect() { this.set(stats().hits); } });
    new Gauge({ name: 'tusk_cache_misses', help: 'Object-store reads the local cache sent on since start.', registers, collect() { this.set(stats().misses); } });
    new Gauge({ name: 'tusk_cache_bytes', help: 'Bytes held by the local cache.', registers, collect() { this.set(stats().bytes); } });
  }

  datumEnded(pipeline: string, state: string, durationMs: number): void {
    this.datums.inc({ pipeline, state });
    if (state === 'success' || state === 'failed') this.datumSeconds.observe({ pipeline, state }, durationMs / 1000);
  }

  grpcCall(method: string, code: string, seconds: number): void {
    this.grpc.inc({ method, code });
    this.grpcSeconds.observe({ method, code }, seconds);
  }

  s3Request(operation: string, code: number, seconds: number): void {
    this.s3.inc({ operation, code: String(code) });
    this.s3Seconds.observe({ operation, code: String(code) }, seconds);
  }

  /** The object-store side, for a MeteredStore. */
  storeMeter(): StoreMeter {
    return {
      request: (op, ok, seconds) => {
        this.storeRequests.inc({ op, outcome: ok ? 'ok' : 'error' });
        this.storeSeconds.observe({ op }, seconds);
      },
      bytes: (direction, n) => this.storeBytes.inc({ direction }, n),
      objects: (op) => this.storeObjects.inc({ op }),
    };
  }

  /**
   * Each pipeline's figures as /metrics would export them now, read from the
   * same series (for the pipeline view's last hour, so nothing is counted twice).
   */
  async pipelineReadings(): Promise<PipelineReading[]> {
    const readings = new Map<string, PipelineReading>();
    const of = (pipeline: string) => {
      let r = readings.get(pipeline);
      if (!r) {
        r = { pipeline, jobs: { running: 0, success: 0, failure: 0 }, workers: 0, datums: { processed: 0, skipped: 0, failed: 0 }, datumSeconds: 0, datumCount: 0 };
        readings.set(pipeline, r);
      }
      return r;
    };
    const values = async (name: string) => (await this.registry.getSingleMetric(name)?.get())?.values ?? [];
    // Every pipeline has a worker gauge (0 when idle): it names the pipelines that exist.
    for (const v of await values('tusk_workers_running')) of(String(v.labels.pipeline)).workers = v.value;
    for (const v of await values('tusk_jobs')) {
      const r = readings.get(String(v.labels.pipeline));
      const state = String(v.labels.state);
      if (!r) continue;
      if (state === 'success') r.jobs.success += v.value;
      else if (state === 'failure' || state === 'killed') r.jobs.failure += v.value;
      else r.jobs.running += v.value;
    }
    for (const v of await values('tusk_datums_total')) {
      const r = readings.get(String(v.labels.pipeline));
      const state = String(v.labels.state);
      if (!r) continue;
      if (state === 'success' || state === 'recovered') r.datums.processed += v.value;
      else if (state === 'skipped') r.datums.skipped += v.value;
      else if (state === 'failed') r.datums.failed += v.value;
    }
    for (const v of await values('tusk_datum_duration_seconds')) {
      const r = readings.get(String(v.labels.pipeline));
      const metric = (v as { metricName?: string }).metricName;
      if (!r) continue;
      if (metric === 'tusk_datum_duration_seconds_sum') r.datumSeconds += v.value;
      else if (metric === 'tusk_datum_duration_seconds_count') r.datumCount += v.value;
    }
    return [...readings.values()];
  }

  render(): Promise<string> {
    return this.registry.metrics();
  }

  get contentType(): string {
    return this.registry.contentType;
  }
}
