// Small inline-SVG charts for the HTML report: line charts (linear or log x) and side-by-side
// histograms. Hand-written so the report is one self-contained file with no script and no network.

export interface Series {
  name: string;
  color: string;
  points: Array<[number, number]>;
  dashed?: boolean;
}

export interface LineChartOptions {
  title: string;
  xLabel: string;
  yLabel: string;
  series: Series[];
  xLog?: boolean;
  /** Draw as steps (values hold until the next sample). */
  step?: boolean;
  width?: number;
  height?: number;
}

// Title on the first line, the legend on the second.
const MARGIN = { left: 56, right: 16, top: 48, bottom: 42 };

export function lineChart(options: LineChartOptions): string {
  const { width = 640, height = 300, xLog = false } = options;
  const all = options.series.flatMap((series) => series.points);
  const xs = all.map(([x]) => x).filter((x) => !xLog || x > 0);
  const xMin = xLog ? Math.max(1, Math.min(...xs)) : 0;
  const xMax = Math.max(xMin + 1, ...xs);
  const yMax = niceCeiling(Math.max(1, ...all.map(([, y]) => y)));
  const plotWidth = width - MARGIN.left - MARGIN.right;
  const plotHeight = height - MARGIN.top - MARGIN.bottom;
  const toX = xLog
    ? (x: number) => MARGIN.left + ((Math.log10(Math.max(x, xMin)) - Math.log10(xMin)) / (Math.log10(xMax) - Math.log10(xMin) || 1)) * plotWidth
    : (x: number) => MARGIN.left + ((x - xMin) / (xMax - xMin)) * plotWidth;
  const toY = (y: number) => MARGIN.top + plotHeight - (y / yMax) * plotHeight;

  const xTicks = xLog ? logTicks(xMin, xMax) : linearTicks(xMax);
  const yTicks = linearTicks(yMax);
  const parts: string[] = [frame(options.title, width, height)];
  for (const tick of yTicks) {
    parts.push(`<line x1="${MARGIN.left}" x2="${width - MARGIN.right}" y1="${f(toY(tick))}" y2="${f(toY(tick))}" class="grid"/>`);
    parts.push(`<text x="${MARGIN.left - 6}" y="${f(toY(tick) + 4)}" text-anchor="end">${label(tick)}</text>`);
  }
  for (const tick of xTicks) parts.push(`<text x="${f(toX(tick))}" y="${height - MARGIN.bottom + 16}" text-anchor="middle">${label(tick)}</text>`);
  parts.push(axisLabels(options.xLabel, options.yLabel, width, height));
  for (const series of options.series) {
    if (series.points.length === 0) continue;
    const path = series.points
      .map(([x, y], index) => {
        const point = `${f(toX(x))},${f(toY(y))}`;
        if (index === 0) return `M${point}`;
        return options.step ? `H${f(toX(x))}V${f(toY(y))}` : `L${point}`;
      })
      .join('');
    parts.push(`<path d="${path}" fill="none" stroke="${series.color}" stroke-width="2"${series.dashed === true ? ' stroke-dasharray="5 4"' : ''}/>`);
  }
  parts.push(legend(options.series, width));
  return `${parts.join('')}</svg>`;
}

export interface HistogramOptions {
  title: string;
  xLabel: string;
  series: Array<{ name: string; color: string; values: number[] }>;
  bins?: number;
  width?: number;
  height?: number;
}

/** One panel per series, same log-scaled bins and same y scale, so the shapes compare at a glance. */
export function histogramPanels(options: HistogramOptions): string {
  const { bins = 28, width = 960, height = 240 } = options;
  const values = options.series.flatMap((series) => series.values).filter((value) => value > 0);
  const low = Math.max(1, Math.min(...values, 10));
  const high = Math.max(low * 2, ...values);
  const edges = Array.from({ length: bins + 1 }, (_, index) => low * (high / low) ** (index / bins));
  const counts = options.series.map((series) => {
    const histogram = new Array<number>(bins).fill(0);
    for (const value of series.values) histogram[Math.min(bins - 1, Math.max(0, Math.floor((Math.log(value / low) / Math.log(high / low)) * bins)))]!++;
    return histogram;
  });
  const yMax = niceCeiling(Math.max(1, ...counts.flat()));
  const panelWidth = (width - 20) / Math.max(1, options.series.length);
  const parts: string[] = [frame(options.title, width, height)];
  options.series.forEach((series, panel) => {
    const left = 10 + panel * panelWidth + 40;
    const plotWidth = panelWidth - 56;
    const top = MARGIN.top + 16;
    const plotHeight = height - top - MARGIN.bottom;
    const toX = (value: number) => left + (Math.log(value / low) / Math.log(high / low)) * plotWidth;
    parts.push(`<text x="${f(left + plotWidth / 2)}" y="${MARGIN.top + 4}" text-anchor="middle" font-weight="600" fill="${series.color}">${escapeHtml(series.name)}</text>`);
    for (const tick of linearTicks(yMax)) {
      const y = top + plotHeight - (tick / yMax) * plotHeight;
      parts.push(`<line x1="${f(left)}" x2="${f(left + plotWidth)}" y1="${f(y)}" y2="${f(y)}" class="grid"/><text x="${f(left - 4)}" y="${f(y + 4)}" text-anchor="end">${label(tick)}</text>`);
    }
    counts[panel]!.forEach((count, bin) => {
      if (count === 0) return;
      const x0 = toX(edges[bin]!);
      const x1 = toX(edges[bin + 1]!);
      const barHeight = (count / yMax) * plotHeight;
      parts.push(`<rect x="${f(x0 + 0.5)}" y="${f(top + plotHeight - barHeight)}" width="${f(Math.max(1, x1 - x0 - 1))}" height="${f(barHeight)}" fill="${series.color}" opacity="0.85"><title>${Math.round(edges[bin]!)}–${Math.round(edges[bin + 1]!)} ms: ${count}</title></rect>`);
    });
    for (const tick of logTicks(low, high)) parts.push(`<text x="${f(toX(tick))}" y="${height - MARGIN.bottom + 16}" text-anchor="middle">${label(tick)}</text>`);
    parts.push(`<text x="${f(left + plotWidth / 2)}" y="${height - 8}" text-anchor="middle" class="axis">${escapeHtml(options.xLabel)}</text>`);
  });
  return `${parts.join('')}</svg>`;
}

function frame(title: string, width: number, height: number): string {
  return `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${width} ${height}" width="${width}" height="${height}" role="img" aria-label="${escapeHtml(title)}"><text x="${MARGIN.left}" y="20" class="title">${escapeHtml(title)}</text>`;
}

function axisLabels(xLabel: string, yLabel: string, width: number, height: number): string {
  const middleY = MARGIN.top + (height - MARGIN.top - MARGIN.bottom) / 2;
  return (
    `<text x="${MARGIN.left + (width - MARGIN.left - MARGIN.right) / 2}" y="${height - 8}" text-anchor="middle" class="axis">${escapeHtml(xLabel)}</text>` +
    `<text x="14" y="${middleY}" text-anchor="middle" class="axis" transform="rotate(-90 14 ${middleY})">${escapeHtml(yLabel)}</text>`
  );
}

function legend(series: Series[], width: number): string {
  let x = MARGIN.left;
  const items: string[] = [];
  for (const entry of series) {
    if (x > width - 120) break;
    items.push(`<line x1="${f(x)}" x2="${f(x + 18)}" y1="32" y2="32" stroke="${entry.color}" stroke-width="3"${entry.dashed === true ? ' stroke-dasharray="5 4"' : ''}/><text x="${f(x + 22)}" y="36">${escapeHtml(entry.name)}</text>`);
    x += entry.name.length * 6.5 + 40;
  }
  return items.join('');
}

function niceCeiling(value: number): number {
  const magnitude = 10 ** Math.floor(Math.log10(value));
  for (const step of [1, 2, 2.5, 5, 10]) if (step * magnitude >= value) return step * magnitude;
  return 10 * magnitude;
}

function linearTicks(max: number): number[] {
  const step = niceCeiling(max / 5);
  const ticks: number[] = [];
  for (let tick = 0; tick <= max + step / 1000; tick += step) ticks.push(tick);
  return ticks;
}

function logTicks(min: number, max: number): number[] {
  const ticks: number[] = [];
  for (let decade = 10 ** Math.floor(Math.log10(min)); decade <= max; decade *= 10) {
    for (const step of [1, 2, 5]) if (decade * step >= min && decade * step <= max) ticks.push(decade * step);
  }
  return ticks;
}

function label(value: number): string {
  if (value >= 1000 && value % 1000 === 0) return `${value / 1000}k`;
  return Number.isInteger(value) ? String(value) : value.toFixed(value < 1 ? 2 : 1);
}

function f(value: number): string {
  return value.toFixed(1);
}

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (char) => `&#${char.charCodeAt(0)};`);
}
