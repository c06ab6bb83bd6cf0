// Per-turn latency as an SVG bar chart: one bar per measured turn, in call order, with a scale in
// milliseconds. Built with the DOM (no inline style), so the page's CSP holds.
import { svgElement as el } from './svg.js';

const SIZE = { width: 640, height: 180, left: 56, bottom: 22, top: 10 };

export function renderLatencyChart(container, turns) {
  if (turns.length === 0) {
    container.replaceChildren();
    return;
  }
  const max = niceMax(Math.max(...turns.map((t) => t.latency_ms)));
  const plotWidth = SIZE.width - SIZE.left - 8;
  const plotHeight = SIZE.height - SIZE.top - SIZE.bottom;
  const slot = plotWidth / turns.length;
  const svg = el('svg', { viewBox: `0 0 ${SIZE.width} ${SIZE.height}`, role: 'img' });
  svg.setAttribute('aria-label', `Turn latency, ${turns.length} turns, longest ${Math.max(...turns.map((t) => t.latency_ms))} ms`);
  for (const fraction of [0, 0.5, 1]) {
    const y = SIZE.top + plotHeight * (1 - fraction);
    svg.append(el('line', { x1: SIZE.left, x2: SIZE.width - 8, y1: y, y2: y, class: 'axis' }));
    svg.append(label(`${Math.round(max * fraction)} ms`, SIZE.left - 4, y, 'end'));
  }
  turns.forEach((turn, i) => {
    const height = (turn.latency_ms / max) * plotHeight;
    const x = SIZE.left + i * slot + slot * 0.15;
    const bar = el('rect', { x, y: SIZE.top + plotHeight - height, width: slot * 0.7, height, class: 'bar' });
    const tip = el('title', {});
    tip.textContent = `turn ${i + 1}: ${turn.latency_ms} ms`;
    bar.append(tip);
    svg.append(bar, label(String(i + 1), x + slot * 0.35, SIZE.height - 8, 'middle'));
  });
  container.replaceChildren(svg);
}

/** A round top for the scale: 1, 2 or 5 times a power of ten. */
function niceMax(value) {
  const power = 10 ** Math.floor(Math.log10(Math.max(1, value)));
  return [1, 2, 5, 10].map((m) => m * power).find((v) => v >= value);
}

function label(content, x, y, anchor) {
  const node = el('text', { x, y, 'text-anchor': anchor, 'dominant-baseline': 'central' });
  node.textContent = content;
  return node;
}
