import type { KernelMessage } from '@jupyterlab/services';
import { describe, expect, it } from 'vitest';
import { applyStreamText, DisplayIdRegistry, OutputBudget, OutputModel } from './output-model';

const msg = (msg_type: string, content: Record<string, unknown>) =>
  ({
    header: { msg_type },
    parent_header: {},
    metadata: {},
    content,
    channel: 'iopub',
  }) as unknown as KernelMessage.IIOPubMessage;
const stream = (name: string, text: string) => msg('stream', { name, text });
const display = (data: Record<string, unknown>, displayId?: string, type = 'display_data') =>
  msg(type, { data, metadata: {}, transient: displayId ? { display_id: displayId } : {} });

describe('applyStreamText (JupyterLab 4 OutputAreaModel: Private.processText)', () => {
  const apply = (...messages: string[]) => {
    let state = { text: '', cursor: 0 };
    for (const m of messages) state = applyStreamText(state.text, state.cursor, m);
    return state.text;
  };
  it.each([
    [['abc\b\bd\n'], 'ad\n'],
    [['\rprogress 1'], 'progress 1'],
    [['10%\r20%\r'], '20%'],
    [['hello\rab'], 'abllo'], // a carriage return overwrites in place, like a terminal
    [['line\r\nnext'], 'line\nnext'],
    [['plain text'], 'plain text'],
    [['abc\rde', 'f\n'], 'def\n'], // the cursor carries over to the next message
    [['10%\r', '20%\r', '30%', '\n'], '30%\n'],
    [['a\n', '\b\bb'], 'a\nb'], // a backspace never crosses a line feed
    [['\n\r', 'x'], '\nx'],
  ])('%j → %j', (messages, expected) => expect(apply(...messages)).toBe(expected));
});

describe('OutputModel', () => {
  it('merges consecutive streams of the same name only', () => {
    const m = new OutputModel();
    for (const [n, t] of [
      ['stdout', 'a\n'],
      ['stdout', 'b\n'],
      ['stderr', 'e\n'],
      ['stdout', 'c\n'],
    ])
      m.handle(stream(n!, t!));
    expect(m.outputs).toEqual([
      { output_type: 'stream', name: 'stdout', text: 'a\nb\n' },
      { output_type: 'stream', name: 'stderr', text: 'e\n' },
      { output_type: 'stream', name: 'stdout', text: 'c\n' },
    ]);
  });

  it('applies carriage returns across merged messages', () => {
    const m = new OutputModel();
    ['\r1/3', '\r2/3', '\r3/3', '\n'].forEach((t) => m.handle(stream('stdout', t)));
    expect(m.outputs).toEqual([{ output_type: 'stream', name: 'stdout', text: '3/3\n' }]);
  });

  it('clears at once, or with wait just before the next output', () => {
    const m = new OutputModel();
    m.handle(stream('stdout', 'old\n'));
    m.handle(msg('clear_output', { wait: true }));
    expect(m.outputs).toHaveLength(1);
    m.handle(stream('stdout', 'new\n'));
    expect(m.outputs).toEqual([{ output_type: 'stream', name: 'stdout', text: 'new\n' }]);
    m.handle(msg('clear_output', { wait: false }));
    expect(m.outputs).toEqual([]);
  });

  it('updates displays by id across cells sharing a registry, and forgets cleared ones', () => {
    const registry = new DisplayIdRegistry();
    const changes: string[] = [];
    const a = new OutputModel({ registry, onChange: () => changes.push('a') });
    const b = new OutputModel({ registry });
    a.handle(display({ 'text/plain': 'v1' }, 'd1'));
    b.handle(display({ 'text/plain': 'other' }));
    b.handle(
      msg('update_display_data', { data: { 'text/plain': 'v2' }, metadata: { m: 1 }, transient: { display_id: 'd1' } }),
    );
    expect(a.outputs).toEqual([{ output_type: 'display_data', data: { 'text/plain': 'v2' }, metadata: { m: 1 } }]);
    expect(b.outputs).toEqual([{ output_type: 'display_data', data: { 'text/plain': 'other' }, metadata: {} }]);
    expect(changes).toEqual(['a', 'a']);
    b.handle(display({ 'text/plain': 'v3' }, 'd1')); // a new display with the same id updates the old one too
    expect(a.outputs[0]).toMatchObject({ data: { 'text/plain': 'v3' } });
    a.handle(msg('clear_output', { wait: false }));
    b.handle(
      msg('update_display_data', { data: { 'text/plain': 'v4' }, metadata: {}, transient: { display_id: 'd1' } }),
    );
    expect(a.outputs).toEqual([]);
    expect(b.outputs[1]).toMatchObject({ data: { 'text/plain': 'v4' } });
  });

  it('keeps execute_result counts and error fields, and never stores transient', () => {
    const m = new OutputModel();
    m.handle(msg('execute_result', { data: { 'text/plain': '2' }, metadata: {}, execution_count: 7, transient: {} }));
    m.handle(msg('error', { ename: 'ValueError', evalue: 'bad', traceback: ['t1', 't2'] }));
    m.handle(msg('status', { execution_state: 'idle' }));
    expect(m.outputs).toEqual([
      { output_type: 'execute_result', execution_count: 7, data: { 'text/plain': '2' }, metadata: {} },
      { output_type: 'error', ename: 'ValueError', evalue: 'bad', traceback: ['t1', 't2'] },
    ]);
  });

  it('caps the output size with a note, without splitting a UTF-8 character', () => {
    const m = new OutputModel({ maxBytes: 10 });
    m.handle(stream('stdout', 'ééééé€')); // 10 bytes of é, then 3 more
    m.handle(stream('stdout', 'more'));
    m.handle(display({ 'text/plain': 'dropped' }));
    expect(m.truncated).toBe(true);
    expect(m.outputs).toHaveLength(2);
    expect(m.outputs[0]).toEqual({ output_type: 'stream', name: 'stdout', text: 'ééééé' });
    expect(m.outputs[1]).toMatchObject({ name: 'stderr', text: expect.stringContaining('Output truncated') });
  });

  const update = (data: Record<string, unknown>, displayId: string) =>
    msg('update_display_data', { data, metadata: {}, transient: { display_id: displayId } });
  const note = expect.objectContaining({ name: 'stderr', text: expect.stringContaining('Output truncated') });

  it('counts display updates against the cell cap: one that does not fit leaves the display as it was, with a note', () => {
    const m = new OutputModel({ maxBytes: 100 });
    m.handle(display({ 'text/plain': 'small' }, 'd'));
    m.handle(update({ 'text/plain': 'x'.repeat(101) }, 'd'));
    expect(m.truncated).toBe(true);
    expect(m.outputs).toEqual([{ output_type: 'display_data', data: { 'text/plain': 'small' }, metadata: {} }, note]);
    m.handle(update({ 'text/plain': 'fits' }, 'd')); // after the note nothing changes any more
    expect(m.outputs[0]).toMatchObject({ data: { 'text/plain': 'small' } });
  });

  it('counts a display shown N times N times: one update cannot multiply the document', () => {
    const m = new OutputModel({ maxBytes: 1_000 });
    for (let i = 0; i < 10; i++) m.handle(display({ 'text/plain': 'v1' }, 'd'));
    m.handle(update({ 'text/plain': 'x'.repeat(99) }, 'd')); // 10 × 99 bytes fit
    expect(m.outputs.every((o) => 'data' in o && o.data['text/plain'] === 'x'.repeat(99))).toBe(true);
    m.handle(update({ 'text/plain': 'y'.repeat(101) }, 'd')); // 10 × 101 do not: none of the copies changes
    expect(m.outputs).toHaveLength(11);
    expect(m.outputs.slice(0, 10).every((o) => 'data' in o && o.data['text/plain'] === 'x'.repeat(99))).toBe(true);
    expect(m.outputs[10]).toEqual(note);
    // A new display_data with the id updates the older copies first: that counts too.
    const n = new OutputModel({ maxBytes: 1_000 });
    for (let i = 0; i < 10; i++) n.handle(display({ 'text/plain': 'y'.repeat(99) }, 'd'));
    expect(n.truncated).toBe(false);
    n.handle(display({ 'text/plain': 'y'.repeat(200) }, 'd'));
    expect(n.truncated).toBe(true);
    expect(JSON.stringify(n.outputs).length).toBeLessThan(2_000);
  });

  it('counts display metadata too', () => {
    const m = new OutputModel({ maxBytes: 100 });
    m.handle(msg('display_data', { data: { 'text/plain': 'a' }, metadata: { big: 'm'.repeat(200) }, transient: {} }));
    expect(m.outputs).toEqual([note]);
  });

  it('shares a run budget between cells: past it a cell says the run limit was reached; clearing gives bytes back', () => {
    const budget = new OutputBudget(10);
    const a = new OutputModel({ budget, maxBytes: 100 });
    const b = new OutputModel({ budget, maxBytes: 100 });
    a.handle(stream('stdout', '123456'));
    b.handle(stream('stdout', 'abcdef'));
    expect(b.outputs).toEqual([
      { output_type: 'stream', name: 'stdout', text: 'abcd' },
      expect.objectContaining({ name: 'stderr', text: expect.stringContaining("this run's output exceeded") }),
    ]);
    expect(budget.used).toBe(10);
    a.handle(msg('clear_output', { wait: false }));
    expect(budget.used).toBe(4);
    const c = new OutputModel({ budget, maxBytes: 100 });
    c.handle(display({ 'text/plain': '123456' }));
    expect(c.truncated).toBe(false);
    expect(budget.used).toBe(10);
  });
});
