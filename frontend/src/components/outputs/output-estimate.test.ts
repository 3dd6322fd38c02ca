import { describe, expect, it } from 'vitest';
import type { Output } from '../../lib/nbformat';
import { estimateOutputs, SCROLL_AFTER_LINES } from './output-estimate';

const stream = (lines: number): Output => ({ output_type: 'stream', name: 'stdout', text: 'x\n'.repeat(lines) });
const png = (height?: number): Output => ({
  output_type: 'display_data',
  data: { 'image/png': 'iVBOR', 'text/plain': '<Figure>' },
  metadata: height ? { 'image/png': { height } } : {},
});

describe('estimateOutputs (from content, no layout)', () => {
  it('puts text longer than the scroll threshold in the box, and shorter text not', () => {
    expect(estimateOutputs([stream(SCROLL_AFTER_LINES + 5)]).tall).toBe(true);
    expect(estimateOutputs([stream(20)]).tall).toBe(false);
    // Lines of several outputs add up, as they share one box.
    expect(estimateOutputs([stream(60), stream(60)]).tall).toBe(true);
  });

  it('counts an error traceback and a text/plain result as text', () => {
    const tb: Output = { output_type: 'error', ename: 'E', evalue: 'v', traceback: Array(150).fill('line') };
    expect(estimateOutputs([tb]).tall).toBe(true);
    const repr: Output = {
      output_type: 'execute_result',
      execution_count: 1,
      data: { 'text/plain': '1\n2' },
      metadata: {},
    };
    expect(estimateOutputs([repr]).heightPx).toBeLessThan(60);
  });

  it('leaves rich outputs to be measured (never tall from an estimate) but holds their likely height', () => {
    const three = estimateOutputs([png(), png(), png()]);
    expect(three.tall).toBe(false);
    expect(three.heightPx).toBeGreaterThan(1000);
    expect(estimateOutputs([png(120)]).heightPx).toBeLessThan(140); // the image's own height when the metadata says
  });

  it('holds a tall text output at the height of its scroll box', () => {
    const a = estimateOutputs([stream(500)]).heightPx;
    const b = estimateOutputs([stream(5000)]).heightPx;
    expect(a).toBe(b);
    expect(a).toBeLessThan(400);
  });
});
