import { describe, expect, it } from 'vitest';
import { bulletinChangesSince } from './today-changes.js';

const diff = (added: string[], revised: string[] = [], withdrawn: string[] = []) => {
  const list = (ids: string[]) => ids.map((id) => ({ id, affectedMachines: 1 }));
  return { added: list(added), revised: list(revised), withdrawn: list(withdrawn) };
};

describe('bulletinChangesSince', () => {
  const withdrawnNow = new Map([
    ['A', false],
    ['B', false],
    ['C', true],
    ['D', true],
    ['E', false],
    ['F', false],
  ]);
  const syncs = [
    { finishedAt: 't1', diff: diff(['A', 'D'], ['B'], ['E']) },
    { finishedAt: 't2', diff: null },
    { finishedAt: 't3', diff: diff(['E'], ['A', 'B'], ['C', 'D']) },
    { finishedAt: 't4', diff: diff(['GONE'], ['F']) },
  ];
  const changes = bulletinChangesSince(syncs, (id) => withdrawnNow.get(id));
  const byId = new Map(changes.map((c) => [c.id, c]));

  it.each([
    ['A', 'new', 't1', 'added then revised: new, when added'],
    ['B', 'revised', 't3', 'revised twice: the last revision'],
    ['C', 'withdrawn', 't3', 'withdrawn'],
    ['D', 'withdrawn', 't3', 'came and went: withdrawn'],
    ['E', 'new', 't3', 'withdrawn and back: new'],
    ['F', 'revised', 't4', 'revised'],
  ])('%s is %s at %s (%s)', (id, change, at) => {
    expect(byId.get(id)).toEqual({ id, change, at });
  });

  it('leaves out bulletins no longer stored, and answers nothing without syncs', () => {
    expect(byId.has('GONE')).toBe(false);
    expect(changes).toHaveLength(6);
    expect(bulletinChangesSince([], () => false)).toEqual([]);
  });
});
