import { useEffect, useRef, useState } from 'react';
import { Spinner } from '../../../../components/ui/spinner';
import { loadMonaco } from './monaco-loader';

/**
 * A read-only side-by-side diff (Monaco's diff editor, VS Code's diff algorithm, computed in its worker): `original`
 * on the left, `modified` on the right. `onComputed` gets the number of changed regions once the diff is known.
 */
export function DiffView({
  original,
  modified,
  language = 'python',
  onComputed,
}: {
  original: string;
  modified: string;
  language?: string;
  onComputed?: (changes: number) => void;
}) {
  const host = useRef<HTMLDivElement>(null);
  const [error, setError] = useState<string | null>(null);
  const [ready, setReady] = useState(false);
  const [diffed, setDiffed] = useState(false);
  const computed = useRef(onComputed);
  computed.current = onComputed;

  useEffect(() => {
    let disposed = false;
    let dispose = () => {};
    loadMonaco().then(
      (monaco) => {
        if (disposed || !host.current) return;
        const editor = monaco.editor.createDiffEditor(host.current, {
          readOnly: true,
          originalEditable: false,
          automaticLayout: true,
          renderSideBySide: true,
          minimap: { enabled: false },
          scrollBeyondLastLine: false,
          theme: 'folio',
        });
        const left = monaco.editor.createModel(original, language);
        const right = monaco.editor.createModel(modified, language);
        editor.setModel({ original: left, modified: right });
        const sub = editor.onDidUpdateDiff(() => {
          setDiffed(true);
          computed.current?.(editor.getLineChanges()?.length ?? 0);
        });
        setReady(true);
        dispose = () => {
          sub.dispose();
          editor.dispose();
          left.dispose();
          right.dispose();
        };
      },
      (e: unknown) => setError(`Could not load the diff viewer: ${(e as Error).message}`),
    );
    return () => {
      disposed = true;
      dispose();
    };
  }, [original, modified, language]);

  if (error) return <p className="error-box">{error}</p>;
  return (
    <div className="diff-view" data-testid="diff-view" data-computed={diffed}>
      {!ready && <Spinner label="Loading the diff…" />}
      <div ref={host} className="diff-view-host" />
    </div>
  );
}
