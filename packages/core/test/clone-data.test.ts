import { cloneData } from '../src/index.js';

test('cloneData copies plain data deeply: equal, sharing no object or array, key order kept', () => {
  const original = {
    b: 1,
    a: [{ x: 'y', list: [1, 2, [3]] }, null, 'text'],
    nested: { deeper: { flag: true, nothing: null, missing: undefined } },
  };
  const copy = cloneData(original);
  expect(copy).toStrictEqual(original);
  expect(Object.keys(copy)).toEqual(['b', 'a', 'nested']);
  expect(copy.a).not.toBe(original.a);
  expect(copy.a[0]).not.toBe(original.a[0]);
  expect(copy.nested.deeper).not.toBe(original.nested.deeper);
  (original.a[0] as { list: unknown[] }).list.push(4);
  original.nested.deeper.flag = false;
  expect((copy.a[0] as { list: unknown[] }).list).toEqual([1, 2, [3]]);
  expect(copy.nested.deeper.flag).toBe(true);
});

test('cloneData copies what is not plain data (a Map, a Date) as structuredClone does', () => {
  const original = { when: new Date(5), seen: new Map([['k', { n: 1 }]]) };
  const copy = cloneData(original);
  expect(copy).toStrictEqual(structuredClone(original));
  expect(copy.seen).not.toBe(original.seen);
  expect(copy.seen.get('k')).not.toBe(original.seen.get('k'));
  expect(copy.when).not.toBe(original.when);
});
