import { memo } from 'react';
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

/** The outputs of one code cell. `prompt` is shown beside execute results, as Jupyter's Out[n]. */
export const OutputArea = memo(function OutputArea({ outputs }: { outputs: readonly Output[] }) {
  if (!outputs.length) return null;
  return (
    <div className="output-area" data-testid="cell-outputs">
      {outputs.map((o, i) => (
        <div key={i} className={`output output-${o.output_type}`}>
          <OutputItem output={o} />
        </div>
      ))}
    </div>
  );
});
