import { useRef, type ReactNode } from 'react';
import { Button } from '../../../components/ui/button';
import { useFileDrop } from '../../../components/ui/use-file-drop';

const isIpynb = (f: File) => /\.ipynb$/i.test(f.name);

/**
 * Wraps the list: dropping .ipynb files anywhere on it imports them; `renderButton` gets an opener for the file
 * picker. Non-.ipynb files are refused with a message.
 */
export function ImportDropZone({
  onFiles,
  onReject,
  children,
}: {
  onFiles: (files: File[]) => void;
  onReject: (message: string) => void;
  children: ReactNode;
}) {
  const input = useRef<HTMLInputElement>(null);

  const take = (files: File[]) => {
    const good = files.filter(isIpynb);
    const bad = files.filter((f) => !isIpynb(f));
    if (bad.length) onReject(`Not a notebook (.ipynb): ${bad.map((f) => f.name).join(', ')}`);
    if (good.length) onFiles(good);
  };
  const { over, dropProps } = useFileDrop(take);

  return (
    <div className={`drop-zone${over ? ' drop-zone-over' : ''}`} data-testid="import-drop-zone" {...dropProps}>
      <div className="drop-zone-bar">
        <Button onClick={() => input.current?.click()} data-testid="import-button">
          Import .ipynb
        </Button>
        <input
          ref={input}
          type="file"
          accept=".ipynb,application/x-ipynb+json"
          multiple
          hidden
          aria-label="Import notebook file"
          data-testid="import-input"
          onChange={(e) => {
            take(Array.from(e.target.files ?? []));
            e.target.value = '';
          }}
        />
        <span className="muted">or drop .ipynb files here</span>
      </div>
      {children}
    </div>
  );
}
