// One SVG element with its attributes: the state graph and the latency chart draw with it.

const SVG = 'http://www.w3.org/2000/svg';

export function svgElement(name, attributes) {
  const node = document.createElementNS(SVG, name);
  for (const [key, value] of Object.entries(attributes)) node.setAttribute(key, String(value));
  return node;
}
