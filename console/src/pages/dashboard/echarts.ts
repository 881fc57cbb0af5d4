/**
 * The dashboard's charting, loaded on first use (a chunk of its own: console/src/pages/dashboard/chart.tsx imports
 * this file dynamically): ECharts from `echarts/core` with only the charts and components the dashboard draws,
 * rendered as SVG (crisp at any size and in print; the browser test counts its shapes). No CDN: Vite bundles it.
 */
import { BarChart, LineChart, PieChart } from 'echarts/charts';
import { AriaComponent, GridComponent, LegendComponent, TooltipComponent } from 'echarts/components';
import { init, use as registerParts, type EChartsCoreOption } from 'echarts/core';
import { SVGRenderer } from 'echarts/renderers';

registerParts([
  BarChart,
  LineChart,
  PieChart,
  AriaComponent,
  GridComponent,
  LegendComponent,
  TooltipComponent,
  SVGRenderer,
]);

export interface MountedChart {
  /** Draws `option` in place of what was drawn. */
  set(option: EChartsCoreOption): void;
  resize(): void;
  dispose(): void;
}

/** A chart in `el`; `onDrawn` after each drawing has finished. */
export function mount(el: HTMLElement, onDrawn: () => void): MountedChart {
  const chart = init(el, undefined, { renderer: 'svg' });
  chart.on('finished', onDrawn);
  return {
    set: (option) => chart.setOption(option, { notMerge: true }),
    resize: () => chart.resize(),
    dispose: () => chart.dispose(),
  };
}
