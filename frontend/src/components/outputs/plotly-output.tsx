import { useMemo } from 'react';
// A URL only: the ~4.8 MB bundle is emitted as a hashed asset and fetched by the sandbox frame when a figure is shown.
import plotlyUrl from 'plotly.js-dist-min/plotly.min.js?url';
import { sandboxPlotlyDocument, type PlotlyFigure } from './sandbox-document';
import { SandboxedFrame } from './sandboxed-frame';

/** A plotly figure, drawn by plotly.js inside the opaque-origin output sandbox (never in the app's origin). */
export function PlotlyOutput({ figure }: { figure: PlotlyFigure }) {
  const doc = useMemo(() => sandboxPlotlyDocument(figure, plotlyUrl), [figure]);
  return <SandboxedFrame title="Plotly figure" doc={doc} testId="output-plotly" />;
}
