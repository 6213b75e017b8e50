// Small pieces shared by the views: state badges, progress bars, errors,
// loading placeholders and the page header.
import type { ComponentChildren } from 'preact';
import type { DatumCounts } from '../types';

export function State(props: { state: string }) {
  return <span class={`badge state-${props.state}`}>{props.state}</span>;
}

export function Progress(props: { datums?: DatumCounts }) {
  const d = props.datums ?? { total: 0, processed: 0, skipped: 0, failed: 0, recovered: 0 };
  const pct = (n: number) => (d.total > 0 ? `${(100 * n) / d.total}%` : '0%');
  return (
    <span class="progress" title={`${d.processed} processed, ${d.skipped} skipped, ${d.failed} failed of ${d.total}`}>
      <span class="bar">
        <span class="seg processed" style={{ width: pct(d.processed + d.recovered) }} />
        <span class="seg skipped" style={{ width: pct(d.skipped) }} />
        <span class="seg failed" style={{ width: pct(d.failed) }} />
      </span>
      <span class="counts">
        {d.processed + d.skipped + d.failed + d.recovered}/{d.total}
        {d.skipped > 0 && ` · ${d.skipped} skipped`}
        {d.failed > 0 && <span class="failed-text"> · {d.failed} failed</span>}
      </span>
    </span>
  );
}

export function ErrorBox(props: { error?: Error }) {
  if (!props.error) return null;
  const code = (props.error as { code?: string }).code;
  return (
    <div class="error" role="alert">
      {code && <strong>{code}: </strong>}
      {props.error.message}
    </div>
  );
}

export function Loading() {
  return <p class="muted">Loading…</p>;
}

export function Page(props: { title: ComponentChildren; sub?: ComponentChildren; actions?: ComponentChildren; children: ComponentChildren }) {
  return (
    <section class="page">
      <header class="page-head">
        <div>
          <h1>{props.title}</h1>
          {props.sub && <p class="muted">{props.sub}</p>}
        </div>
        {props.actions && <div class="actions">{props.actions}</div>}
      </header>
      {props.children}
    </section>
  );
}
