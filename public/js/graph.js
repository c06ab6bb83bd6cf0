// The agent's state graph as SVG: states top to bottom in file order, the current one marked;
// a move to the next state is a straight arrow, any other move an arc at the side; handoff
// targets (other agents) are dashed boxes at the bottom. With `path` (the states a call went
// through, in order; a handoff target among them), visited states carry their step numbers and
// the moves taken are drawn as traversed.
import { svgElement as el } from './svg.js';

const BOX = { width: 190, height: 34, gap: 22, left: 16, top: 8 };
const ARC_STEP = 14;
const MAX_LABEL_CHARS = 26;

export function renderGraph(container, graph, current, path = []) {
  const ids = graph.states.map((s) => s.id);
  const external = [...new Set(graph.transitions.map((t) => t.to).filter((to) => !ids.includes(to)))];
  const nodes = [...ids, ...external];
  const row = new Map(nodes.map((id, i) => [id, i]));
  const arcs = graph.transitions.filter((t) => row.get(t.to) !== row.get(t.from) + 1);
  const taken = new Set(path.slice(1).map((to, i) => `${path[i]}→${to}`));
  const steps = new Map();
  path.forEach((id, i) => steps.set(id, [...(steps.get(id) ?? []), i + 1]));
  const width = BOX.left + BOX.width + 24 + ARC_STEP * arcs.length;
  const height = BOX.top * 2 + nodes.length * (BOX.height + BOX.gap) - BOX.gap;

  const svg = el('svg', { viewBox: `0 0 ${width} ${height}`, role: 'img', class: 'graph-svg' });
  svg.setAttribute('aria-label', `States of agent ${graph.agent}; current state ${current ?? 'unknown'}`);
  svg.append(arrowMarker());

  const y = (id) => BOX.top + row.get(id) * (BOX.height + BOX.gap);
  const right = BOX.left + BOX.width;
  const midX = BOX.left + BOX.width / 2;
  graph.transitions.forEach((t) => {
    if (!row.has(t.from) || !row.has(t.to)) return;
    const arcIndex = arcs.indexOf(t);
    let d;
    if (arcIndex === -1) {
      d = `M ${midX} ${y(t.from) + BOX.height} L ${midX} ${y(t.to) - 2}`;
    } else {
      const x = right + 16 + ARC_STEP * arcIndex;
      const y1 = y(t.from) + BOX.height / 2;
      const y2 = y(t.to) + BOX.height / 2;
      d = `M ${right} ${y1} C ${x} ${y1}, ${x} ${y2}, ${right + 3} ${y2}`;
    }
    const classes = ['edge', row.get(t.to) < row.get(t.from) ? 'back' : '', taken.has(`${t.from}→${t.to}`) ? 'traversed' : ''].filter(Boolean).join(' ');
    const line = el('path', { d, class: classes, 'marker-end': 'url(#arrow)' });
    line.append(title(`${t.from} → ${t.to}: ${t.condition}`));
    svg.append(line);
  });

  nodes.forEach((id) => {
    const isExternal = !ids.includes(id);
    const state = graph.states.find((s) => s.id === id);
    const visited = steps.get(id);
    const classes = ['node', isExternal ? 'external' : '', id === current ? 'current' : '', visited ? 'visited' : ''].filter(Boolean).join(' ');
    const g = el('g', { class: classes });
    if (id === current) g.setAttribute('aria-current', 'step');
    g.append(
      el('rect', { x: BOX.left, y: y(id), width: BOX.width, height: BOX.height, rx: 8 }),
      text(isExternal ? `→ ${id}` : id, midX, y(id) + BOX.height / 2),
      title(isExternal ? `Handoff to agent ${id}` : `${id}: ${state?.description ?? ''}`),
    );
    if (visited) {
      const badge = el('text', { x: BOX.left + 8, y: y(id) + BOX.height / 2, class: 'step', 'dominant-baseline': 'central' });
      badge.textContent = visited.join(',');
      g.append(badge);
    }
    svg.append(g);
  });
  container.replaceChildren(svg);
}

function arrowMarker() {
  const defs = el('defs', {});
  const marker = el('marker', { id: 'arrow', viewBox: '0 0 10 10', refX: 9, refY: 5, markerWidth: 7, markerHeight: 7, orient: 'auto-start-reverse' });
  marker.append(el('path', { d: 'M 0 0 L 10 5 L 0 10 z', class: 'arrowhead' }));
  defs.append(marker);
  return defs;
}

function text(content, x, y) {
  const node = el('text', { x, y, 'text-anchor': 'middle', 'dominant-baseline': 'central' });
  node.textContent = content.length > MAX_LABEL_CHARS ? `${content.slice(0, MAX_LABEL_CHARS - 1)}…` : content;
  return node;
}

function title(content) {
  const node = el('title', {});
  node.textContent = content;
  return node;
}
