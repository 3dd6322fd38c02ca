import { useEffect, useRef, useState } from 'react';
import { isHeightMessage, isReadyMessage, RENDER_MESSAGE, SANDBOX_URL } from './sandbox-document';

const MAX_HEIGHT = 20_000;

/** Renders a full document in the opaque-origin output sandbox (scripts allowed, same-origin NOT), sized to fit. */
export function SandboxedFrame({
  doc,
  title,
  testId = 'output-frame',
}: {
  doc: string;
  title: string;
  testId?: string;
}) {
  const ref = useRef<HTMLIFrameElement>(null);
  const docRef = useRef(doc);
  docRef.current = doc;
  const [height, setHeight] = useState(24);
  const [loaded, setLoaded] = useState(false);

  useEffect(() => {
    const handleMessage = (e: MessageEvent) => {
      const frame = ref.current?.contentWindow;
      // Only this frame's own window; everything else author code might post is ignored.
      if (!frame || e.source !== frame) return;
      if (isReadyMessage(e.data)) {
        // The frame's origin is opaque ("null"): '*' is the only target origin that reaches it.
        frame.postMessage({ type: RENDER_MESSAGE, html: docRef.current }, '*');
        setLoaded(true);
      } else if (isHeightMessage(e.data)) {
        setHeight(Math.min(MAX_HEIGHT, Math.ceil(e.data.height)));
      }
    };
    window.addEventListener('message', handleMessage);
    return () => window.removeEventListener('message', handleMessage);
  }, []);

  return (
    <iframe
      // A new document means a fresh frame (a sandbox renders exactly one document).
      key={doc}
      ref={ref}
      className="output-frame"
      title={title}
      src={SANDBOX_URL}
      sandbox="allow-scripts"
      loading="lazy"
      style={{ height }}
      data-testid={testId}
      data-rendered={loaded ? 'true' : 'false'}
    />
  );
}
