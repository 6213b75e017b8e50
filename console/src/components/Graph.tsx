// A directed graph drawn as SVG, laid out by dagre (layered, left to right).
// Each node is a link, so the graph is reachable from the keyboard (Tab,
// Enter) and every node opens its own view.
import dagre from '@dagrejs/dagre';
import { navigate } from '../router';

export interface GraphNode {
  id: string;
  label: string;
  sub?: string;
  href: string;
  /** repo | pipeline | commit; pipelines take the colour of `state`. */
  kind: 'repo' | 'pipeline' | 'commit';
  state?: string;
  highlight?: boolean;
}

export interface GraphEdge {
  from: string;
  to: string;
}

const WIDTH = 190;
const HEIGHT = 52;

export function Graph(props: { nodes: GraphNode[]; edges: GraphEdge[]; label: string }) {
  const g = new dagre.graphlib.Graph();
  g.setGraph({ rankdir: 'LR', nodesep: 28, ranksep: 70, marginx: 12, marginy: 12 });
  g.setDefaultEdgeLabel(() => ({}));
  for (const n of props.nodes) g.setNode(n.id, { width: WIDTH, height: HEIGHT });
  for (const e of props.edges) if (g.hasNode(e.from) && g.hasNode(e.to)) g.setEdge(e.from, e.to);
  dagre.layout(g);
  const { width = 0, height = 0 } = g.graph();
  return (
    <svg class="graph" role="group" aria-label={props.label} width={width} height={height} viewBox={`0 0 ${width} ${height}`}>
      <defs>
        <marker id="arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse">
          <path d="M 0 0 L 10 5 L 0 10 z" fill="#8a96a3" />
        </marker>
      </defs>
      {g.edges().map((e) => {
        const points = g.edge(e).points ?? [];
        const d = points.map((p: { x: number; y: number }, i: number) => `${i === 0 ? 'M' : 'L'} ${p.x} ${p.y}`).join(' ');
        return <path key={`${e.v}->${e.w}`} d={d} class="edge" marker-end="url(#arrow)" />;
      })}
      {props.nodes.map((n) => {
        const pos = g.node(n.id);
        if (!pos) return null;
        const x = pos.x - WIDTH / 2;
        const y = pos.y - HEIGHT / 2;
        return (
          <a
            key={n.id}
            href={n.href}
            class={`node node-${n.kind} state-${n.state ?? 'none'}${n.highlight ? ' highlight' : ''}`}
            data-node={n.id}
            onClick={(e) => {
              e.preventDefault();
              navigate(n.href);
            }}
          >
            <rect x={x} y={y} width={WIDTH} height={HEIGHT} rx={n.kind === 'pipeline' ? 14 : 4} />
            <text x={x + 12} y={y + 21} class="node-label">{n.label}</text>
            {n.sub && <text x={x + 12} y={y + 39} class="node-sub">{n.sub}</text>}
          </a>
        );
      })}
    </svg>
  );
}
