import { execFileSync } from 'node:child_process';
import path from 'node:path';

/** Test helper: the reference validator, Python nbformat from the kernel venv (kernels/.venv). */
const venvPython = path.resolve(path.dirname(new URL(import.meta.url).pathname), '../../../kernels/.venv/bin/python');

/** Runs the reference validator (Python nbformat from the kernel venv) on .ipynb texts; one complaint or '' each. */
export function nbformatValidateAll(texts: string[]): string[] {
  const script = [
    'import json, sys, nbformat',
    'out = []',
    'for text in json.loads(sys.stdin.read()):',
    '    try:',
    '        nbformat.validate(json.loads(text))',
    '        out.append("")',
    '    except nbformat.ValidationError as e:',
    '        out.append((str(e).splitlines() or ["invalid"])[0] or "invalid")',
    'print(json.dumps(out))',
  ].join('\n');
  return JSON.parse(execFileSync(venvPython, ['-c', script], { input: JSON.stringify(texts), encoding: 'utf8' })) as string[];
}
export const nbformatValidate = (text: string): string => nbformatValidateAll([text])[0] ?? 'no answer';
