import { memo, useLayoutEffect, useRef, useState } from 'react';
import type { Output } from '../../lib/nbformat';
import { ansiToHtml } from './ansi';
import { joinText } from './mime';
import { MimeOutput } from './mime-output';

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
 * 100 lines scroll inside a 24em box, measured before the browser paints, so a cell printing 5,000 lines never lays a
 * page-long block out on screen; a click on the prompt area beside the outputs toggles between the box and the full
 * height (JupyterLab's prompt overlay).
 */
export const OutputArea = memo(function OutputArea({ outputs }: { outputs: readonly Output[] }) {
  const list = useRef<HTMLDivElement>(null);
  const [choice, setChoice] = useState<ScrollChoice>('auto');
  const [tall, setTall] = useState(false);

  // Measure the content (not the box) on every change, before paint; the observer catches later growth (images, frames).
  useLayoutEffect(() => {
    const el = list.current;
    if (!el) return;
    const measure = () => {
      const lineHeight = 1.3 * (parseFloat(getComputedStyle(el).fontSize) || 13);
      setTall(el.offsetHeight > 100 * lineHeight);
    };
    measure();
    if (typeof ResizeObserver === 'undefined') return;
    const ro = new ResizeObserver(measure);
    ro.observe(el);
    return () => ro.disconnect();
  }, [outputs]);

  if (!outputs.length) return null;
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
      <div className="output-box">
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
