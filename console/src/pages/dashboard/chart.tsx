/**
 * One chart of the dashboard: a box ECharts draws in, loaded lazily (console/src/pages/dashboard/echarts.ts), redrawn
 * when its option changes (the data, the language), resized with its box. `data-drawn` is set once a drawing has
 * finished (the browser test waits for it).
 */
import { useEffect, useRef, useState } from 'react';
import type { EChartsCoreOption } from 'echarts/core';
import type * as Charts from './echarts';
import type { MountedChart } from './echarts';

let loading: Promise<typeof Charts> | undefined;
const loadCharts = () => (loading ??= import('./echarts'));

export function Chart(props: { option: EChartsCoreOption; label: string; testId: string; height?: number }) {
  const box = useRef<HTMLDivElement>(null);
  const chart = useRef<MountedChart | null>(null);
  const latest = useRef(props.option);
  const [drawn, setDrawn] = useState(false);
  const [failed, setFailed] = useState(false);

  useEffect(() => {
    let gone = false;
    let observer: ResizeObserver | undefined;
    loadCharts().then(
      (m) => {
        if (gone || !box.current) return;
        chart.current = m.mount(box.current, () => setDrawn(true));
        chart.current.set(latest.current);
        observer = new ResizeObserver(() => chart.current?.resize());
        observer.observe(box.current);
      },
      () => setFailed(true),
    );
    return () => {
      gone = true;
      observer?.disconnect();
      chart.current?.dispose();
      chart.current = null;
    };
  }, []);

  useEffect(() => {
    latest.current = props.option;
    chart.current?.set(props.option);
  }, [props.option]);

  return (
    <div
      ref={box}
      className={`report-chart${failed ? ' report-chart-failed' : ''}`}
      style={{ height: props.height ?? 300 }}
      role="img"
      aria-label={props.label}
      data-testid={props.testId}
      data-drawn={drawn ? 'true' : 'false'}
    />
  );
}
