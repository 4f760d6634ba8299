// Small SVG charts with no library: a bar chart (histograms) and a line chart (values over time). Each chart is an
// <svg role="img"> with a title and a description, so screen readers get the figures too; sizes follow the container.
const NS = 'http://www.w3.org/2000/svg';

function el(name, attributes = {}, text) {
  const node = document.createElementNS(NS, name);
  for (const [k, v] of Object.entries(attributes)) node.setAttribute(k, String(v));
  if (text !== undefined) node.textContent = text;
  return node;
}

function frame(title, description, width, height) {
  const svg = el('svg', { viewBox: `0 0 ${width} ${height}`, role: 'img', class: 'chart', preserveAspectRatio: 'none' });
  svg.append(el('title', {}, title), el('desc', {}, description));
  return svg;
}

/** Bars: items of { label, value }. */
export function bars(title, items, { width = 320, height = 140, format = String } = {}) {
  const description = items.map((i) => `${i.label}: ${format(i.value)}`).join('; ');
  const svg = frame(title, description, width, height);
  const max = Math.max(1, ...items.map((i) => i.value));
  const bottom = height - 18;
  const slot = width / Math.max(1, items.length);
  items.forEach((item, i) => {
    const h = (item.value / max) * (bottom - 12);
    svg.append(el('rect', { x: i * slot + 2, y: bottom - h, width: Math.max(1, slot - 4), height: h, class: 'bar' }));
    if (item.value > 0) svg.append(el('text', { x: i * slot + slot / 2, y: bottom - h - 2, 'text-anchor': 'middle', class: 'value' }, format(item.value)));
    svg.append(el('text', { x: i * slot + slot / 2, y: height - 4, 'text-anchor': 'middle', class: 'label' }, item.label));
  });
  return svg;
}

/** Lines over x: series of { name, points: [{ x, y }], className }. */
export function lines(title, series, { width = 320, height = 140, format = String } = {}) {
  const all = series.flatMap((s) => s.points);
  const last = series.map((s) => `${s.name}: ${format(s.points.at(-1)?.y ?? 0)}`).join('; ');
  const svg = frame(title, last, width, height);
  if (all.length === 0) return svg;
  const minX = Math.min(...all.map((p) => p.x));
  const maxX = Math.max(minX + 1, ...all.map((p) => p.x));
  const maxY = Math.max(1, ...all.map((p) => p.y));
  const sx = (x) => 4 + ((x - minX) / (maxX - minX)) * (width - 8);
  const sy = (y) => height - 4 - (y / maxY) * (height - 20);
  svg.append(el('text', { x: 4, y: 12, class: 'label' }, format(maxY)));
  for (const s of series) {
    const d = s.points.map((p, i) => `${i ? 'L' : 'M'}${sx(p.x).toFixed(1)},${sy(p.y).toFixed(1)}`).join('');
    svg.append(el('path', { d, class: `line ${s.className ?? ''}`, fill: 'none' }));
  }
  return svg;
}
