import { describe, expect, it } from 'vitest';
import { atLeast, nodeProblem, parseVersion, pythonProblem } from './versions.mjs';

describe('parseVersion / atLeast', () => {
  it('reads the versions Node and Python print', () => {
    expect(parseVersion('v20.19.1')).toEqual([20, 19, 1]);
    expect(parseVersion('Python 3.11.7\n')).toEqual([3, 11, 7]);
    expect(parseVersion('3.10')).toEqual([3, 10, 0]);
    expect(parseVersion('Python')).toBeNull();
  });

  it('compares component by component', () => {
    expect(atLeast([3, 10, 0], [3, 10, 0])).toBe(true);
    expect(atLeast([3, 9, 18], [3, 10, 0])).toBe(false);
    expect(atLeast([4, 0, 0], [3, 10, 0])).toBe(true);
    expect(atLeast([20, 18, 9], [20, 19, 0])).toBe(false);
  });
});

describe('nodeProblem', () => {
  it('accepts 20.19 and later, refuses older with the minimum in the message', () => {
    expect(nodeProblem('20.19.0')).toBeNull();
    expect(nodeProblem('22.1.0')).toBeNull();
    expect(nodeProblem('18.20.4')).toMatch(/Node\.js >= 20\.19\.0; this is 18\.20\.4/);
  });
});

describe('pythonProblem', () => {
  it('accepts Python 3.10+', () => {
    expect(pythonProblem('python3', 'Python 3.10.12')).toBeNull();
    expect(pythonProblem('python3', 'Python 3.13.0')).toBeNull();
  });

  it('refuses Python 3.9 and Python 2, naming the version and how to install a good one', () => {
    expect(pythonProblem('python3', 'Python 3.9.18')).toMatch(/needs Python >= 3\.10; "python3" is 3\.9\.18\. Install Python/);
    expect(pythonProblem('python', 'Python 2.7.18')).toMatch(/is 2\.7\.18/);
  });

  it('says Python is missing when it could not run, and what it tried', () => {
    expect(pythonProblem('python3', null)).toMatch(/Python was not found \(tried "python3"\).*apt-get install -y python3 python3-venv/);
  });

  it('explains output it cannot read', () => {
    expect(pythonProblem('python3', 'command not found')).toMatch(/Could not read the Python version.*command not found/);
  });
});
