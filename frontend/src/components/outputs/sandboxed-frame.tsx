import { useEffect, useRef, useState } from 'react';
import { isHeightMessage } from './sandbox-document';

const MAX_HEIGHT = 20_000;

/** Renders a full document in an opaque-origin sandbox (scripts allowed, same-origin NOT), sized to its content. */
export function SandboxedFrame({ srcDoc, title }: { srcDoc: string; title: string }) {
  const ref = useRef<HTMLIFrameElement>(null);
  const [height, setHeight] = useState(24);

  useEffect(() => {
    const handleMessage = (e: MessageEvent) => {
      // Only this frame's window, only height messages; everything else from author code is ignored.
      if (e.source !== ref.current?.contentWindow || !isHeightMessage(e.data)) return;
      setHeight(Math.min(MAX_HEIGHT, Math.ceil(e.data.height)));
    };
    window.addEventListener('message', handleMessage);
    return () => window.removeEventListener('message', handleMessage);
  }, []);

  return (
    <iframe
      ref={ref}
      className="output-frame"
      title={title}
      sandbox="allow-scripts"
      srcDoc={srcDoc}
      style={{ height }}
      data-testid="output-frame"
    />
  );
}
