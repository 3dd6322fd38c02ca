import { memo, useEffect, useMemo, useRef, useState, type CSSProperties } from 'react';
import type { Output } from '../../lib/nbformat';
import { ansiToHtml } from './ansi';
import { joinText } from './mime';
import { MimeOutput } from './mime-output';
import { estimateOutputs, SCROLL_AFTER_PX } from './output-estimate';
import { renderLater } from './render-later';

function OutputItem({ output }: { output: Output }) {
  switch (output.output_type) {
    case 'stream':
      return (
        <pre
          className={`output-text output-stream output-${output.name}`}
          dangerouslySetInnerHTML={{ __html: ansiToHtml(joinText(output.text)) }}
        />
      );
    case 'error':
      return (
        <pre
          className="output-text output-error"
          data-testid="output-error"
          dangerouslySetInnerHTML={{
            __html: ansiToHtml(
              output.traceback?.length ? output.traceback.join('\n') : `${output.ename}: ${output.evalue}`,
            ),
          }}
        />
      );
    case 'display_data':
    case 'execute_result':
      return <MimeOutput data={output.data ?? {}} metadata={output.metadata} />;
    default:
      return <pre className="output-text muted">[unknown output]</pre>;
  }
}

/**
 * `auto` until the author clicks the prompt area; then the click's choice holds, across re-runs, as JupyterLab's
 * `scrolled` cell state does.
 */
type ScrollChoice = 'auto' | 'scrolled' | 'expanded';

/**
 * The outputs of one code cell. As in JupyterLab (Notebook 7's "scroll outputs by default"), outputs taller than about
 * 100 lines scroll inside a 24em box, so a cell printing 5,000 lines never lays a page-long block out on screen; a
 * click on the prompt area beside the outputs toggles between the box and the full height (JupyterLab's prompt
 * overlay). Nothing here reads layout while rendering: the first state comes from the outputs' text
 * (output-estimate.ts), a ResizeObserver corrects it once the browser has laid the outputs out (images, frames), and
 * boxes of outputs that opened off screen are `content-visibility: auto`, so they are not laid out or painted until
 * scrolled to.
 */
export const OutputArea = memo(function OutputArea({
  outputs,
  later = false,
}: {
  outputs: readonly Output[];
  /**
   * Render once the browser is idle (render-later.ts), holding the outputs' estimated place meanwhile: a just-opened
   * notebook's cells past its first screens. Turning it off renders them at once.
   */
  later?: boolean;
}) {
  const list = useRef<HTMLDivElement>(null);
  const [released, setReleased] = useState(false);
  /**
   * Outputs that opened off screen (`later` at first) skip layout and paint while off screen (content-visibility).
   * Others do not: a skipped box has no rendered text (innerText) until the browser has painted it, and outputs a cell
   * just produced are read at once.
   */
  const [skipOffScreen] = useState(later);
  /** Once shown, outputs stay shown (the editor may ask for `later` again when the selection moves away). */
  const shownOnce = useRef(!later);
  if (!later) shownOnce.current = true;
  const waiting = later && !released && !shownOnce.current;
  useEffect(() => (waiting ? renderLater(() => setReleased(true)) : undefined), [waiting]);
  const [choice, setChoice] = useState<ScrollChoice>('auto');
  const estimate = useMemo(() => estimateOutputs(outputs), [outputs]);
  const [measuredTall, setMeasuredTall] = useState<boolean | null>(null);

  // The content's height (not the box's) as laid out, observed for as long as the list is shown: it reports changes of
  // the outputs too. 0 while the browser skips an off-screen box says nothing, and is ignored.
  const shown = outputs.length > 0 && !waiting;
  useEffect(() => {
    const el = list.current;
    if (!shown || !el || typeof ResizeObserver === 'undefined') return;
    const ro = new ResizeObserver(([entry]) => {
      const height = entry?.contentRect.height ?? 0;
      if (height > 0) setMeasuredTall(height > SCROLL_AFTER_PX);
    });
    ro.observe(el);
    return () => {
      ro.disconnect();
      setMeasuredTall(null);
    };
  }, [shown]);

  const tall = measuredTall ?? estimate.tall;
  const boxStyle = useMemo<CSSProperties>(
    () => ({ containIntrinsicSize: `auto ${estimate.heightPx}px` }),
    [estimate.heightPx],
  );
  if (!outputs.length) return null;
  if (waiting)
    return <div className="output-area output-later" aria-busy="true" style={{ height: estimate.heightPx }} />;
  const scrolled = choice === 'auto' ? tall : choice === 'scrolled';
  return (
    <div
      className={`output-area${scrolled ? ' output-scrolled' : ''}`}
      data-testid="cell-outputs"
      data-scrolled={scrolled ? 'true' : 'false'}
    >
      <div
        className="output-prompt"
        data-testid="output-prompt"
        title={scrolled ? 'Click to expand output' : 'Click to scroll output'}
        onClick={() => setChoice(scrolled ? 'expanded' : 'scrolled')}
      />
      <div
        className={skipOffScreen ? 'output-box output-box-lazy' : 'output-box'}
        style={skipOffScreen ? boxStyle : undefined}
      >
        <div ref={list} className="output-list">
          {outputs.map((o, i) => (
            <div key={i} className={`output output-${o.output_type}`}>
              <OutputItem output={o} />
            </div>
          ))}
        </div>
      </div>
    </div>
  );
});
