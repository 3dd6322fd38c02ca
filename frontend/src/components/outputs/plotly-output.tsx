import { useEffect, useRef, useState } from 'react';

interface PlotlyFigure {
  data?: unknown[];
  layout?: Record<string, unknown>;
  config?: Record<string, unknown>;
}
interface PlotlyModule {
  newPlot(el: HTMLElement, data: unknown[], layout?: object, config?: object): Promise<unknown>;
  purge(el: HTMLElement): void;
}

/** plotly.js is ~3.5 MB: loaded on the first plotly output only. */
const loadPlotly = () => import('plotly.js-dist-min').then((m) => (m.default ?? m) as unknown as PlotlyModule);

export function PlotlyOutput({ figure }: { figure: PlotlyFigure }) {
  const ref = useRef<HTMLDivElement>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    const el = ref.current;
    if (!el) return;
    let cancelled = false;
    loadPlotly()
      .then((Plotly) => {
        if (cancelled) return;
        return Plotly.newPlot(
          el,
          figure.data ?? [],
          { autosize: true, ...figure.layout },
          { responsive: true, ...figure.config },
        );
      })
      .catch((e: Error) => !cancelled && setError(e.message));
    return () => {
      cancelled = true;
      void loadPlotly().then((Plotly) => Plotly.purge(el));
    };
  }, [figure]);
  return error ? (
    <pre className="output-error">Could not render the plotly figure: {error}</pre>
  ) : (
    <div ref={ref} className="output-plotly" data-testid="output-plotly" />
  );
}
