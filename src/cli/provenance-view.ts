// Provenance and subvenance trees on the command line: the nested `-o json`
// object and the human tree, one commit per line with what made it:
//   montage@<id> (pipeline montage v1)
//   ├── images@<id> (user)
//   └── edges@<id> (pipeline edges v1)
//       └── images@<id> (user)
import type { ProvenanceNode } from '../client/index.js';

export interface ProvenanceJson {
  commit: { repo: string; branch: string; id: string };
  origin: string;
  pipeline: string | null;
  pipelineVersion: number | null;
  children: ProvenanceJson[];
}

export function provenanceJson(n: ProvenanceNode): ProvenanceJson {
  return {
    commit: { repo: n.commit?.repo ?? '', branch: n.commit?.branch ?? '', id: n.commit?.id ?? '' },
    origin: n.origin,
    pipeline: n.pipeline || null,
    pipelineVersion: n.pipeline ? n.pipelineVersion : null,
    children: n.children.map(provenanceJson),
  };
}

function label(n: ProvenanceNode): string {
  const what = n.pipeline ? `pipeline ${n.pipeline} v${n.pipelineVersion}` : n.origin || 'unknown origin';
  return `${n.commit?.repo ?? '?'}@${n.commit?.id ?? '?'} (${what})`;
}

/**
 * The tree drawn with box characters, one line per commit, children in the daemon's order. With `once` (subvenance,
 * where a commit reached along two paths below a join or cross would repeat its whole subtree), a commit already
 * drawn is drawn again as one line ending `(see above)`, without its children.
 */
export function provenanceText(root: ProvenanceNode, options: { once?: boolean } = {}): string {
  const lines = [label(root)];
  const drawn = new Set<string>([key(root)]);
  const walk = (node: ProvenanceNode, indent: string) => {
    node.children.forEach((child, i) => {
      const last = i === node.children.length - 1;
      const again = options.once === true && drawn.has(key(child));
      drawn.add(key(child));
      lines.push(`${indent}${last ? '└── ' : '├── '}${label(child)}${again ? ' (see above)' : ''}`);
      if (!again) walk(child, indent + (last ? '    ' : '│   '));
    });
  };
  walk(root, '');
  return lines.join('\n') + '\n';
}

function key(n: ProvenanceNode): string {
  return `${n.commit?.repo ?? ''}@${n.commit?.id ?? ''}`;
}
