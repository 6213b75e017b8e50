// A file's preview by its extension: CSV/TSV as a table, JSON pretty-printed,
// Markdown rendered (markdown-it with raw HTML off, so a file cannot put
// markup or scripts into the console), images as images, other text as text.
// Reads at most PREVIEW_BYTES.
import { useEffect, useState } from 'preact/hooks';
import { fileBytes } from '../api';
import { bytes } from '../format';
import { ErrorBox, Loading } from './bits';

const PREVIEW_BYTES = 1024 * 1024;
const IMAGE = /\.(png|jpe?g|gif|webp|svg|bmp)$/i;
const TABLE = /\.(csv|tsv)$/i;
export const TEXT = /\.(txt|md|markdown|json|jsonl|ya?ml|log|py|js|ts|sh|html|css|xml|toml|ini|cfg)$|^[^.]*$/i;

type Shown = { kind: 'image'; url: string } | { kind: 'markdown'; html: string } | { kind: 'table'; rows: string[][] } | { kind: 'text'; text: string } | { kind: 'none' };

export function Preview(props: { file: string; path: string; size: number }) {
  const [shown, setShown] = useState<Shown>();
  const [error, setError] = useState<Error>();
  useEffect(() => {
    let url = '';
    setShown(undefined);
    setError(undefined);
    const { path } = props;
    if (!IMAGE.test(path) && !TABLE.test(path) && !TEXT.test(path)) return setShown({ kind: 'none' });
    fileBytes(props.file, IMAGE.test(path) ? 0 : PREVIEW_BYTES).then(async (blob) => {
      if (IMAGE.test(path)) {
        url = URL.createObjectURL(blob.type ? blob : new Blob([blob], { type: path.endsWith('.svg') ? 'image/svg+xml' : '' }));
        return setShown({ kind: 'image', url });
      }
      const text = await blob.text();
      if (TABLE.test(path)) return setShown({ kind: 'table', rows: parseTable(text, path.toLowerCase().endsWith('.tsv') ? '\t' : ',') });
      if (/\.(md|markdown)$/i.test(path)) {
        const { default: MarkdownIt } = await import('markdown-it');
        return setShown({ kind: 'markdown', html: new MarkdownIt({ html: false }).render(text) });
      }
      if (/\.json$/i.test(path)) {
        try {
          return setShown({ kind: 'text', text: JSON.stringify(JSON.parse(text), null, 2) });
        } catch {
          // not valid JSON (or cut short): show it as it is
        }
      }
      setShown({ kind: 'text', text });
    }, setError);
    return () => url && URL.revokeObjectURL(url);
  }, [props.file]);
  if (error) return <ErrorBox error={error} />;
  if (!shown) return <Loading />;
  const cut = props.size > PREVIEW_BYTES && shown.kind !== 'image' ? <p class="muted">First {bytes(PREVIEW_BYTES)} of {bytes(props.size)}.</p> : null;
  if (shown.kind === 'none') return <p class="muted">No preview for this kind of file; download it instead.</p>;
  if (shown.kind === 'image') return <img class="preview-image" src={shown.url} alt={props.path} />;
  if (shown.kind === 'markdown') return <>{cut}<div class="markdown" data-testid="preview" dangerouslySetInnerHTML={{ __html: shown.html }} /></>;
  if (shown.kind === 'text') return <>{cut}<pre class="preview-text" data-testid="preview">{shown.text}</pre></>;
  const [head = [], ...rows] = shown.rows;
  return (
    <>
      {cut}
      <div class="scroll">
        <table class="preview-table" data-testid="preview">
          <thead><tr>{head.map((h, i) => <th key={i}>{h}</th>)}</tr></thead>
          <tbody>{rows.slice(0, 500).map((r, i) => <tr key={i}>{r.map((c, j) => <td key={j}>{c}</td>)}</tr>)}</tbody>
        </table>
      </div>
      {rows.length > 500 && <p class="muted">First 500 of {rows.length} rows.</p>}
    </>
  );
}

/** CSV/TSV rows, with quoted fields ("a, b" and "" for a quote). */
export function parseTable(text: string, sep: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') (field += '"'), i++;
      else if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"' && field === '') quoted = true;
    else if (c === sep) row.push(field), (field = '');
    else if (c === '\n' || c === '\r') {
      if (c === '\r' && text[i + 1] === '\n') i++;
      row.push(field);
      rows.push(row);
      row = [];
      field = '';
    } else field += c;
  }
  if (field !== '' || row.length > 0) rows.push([...row, field]);
  return rows;
}
