// The generator must draw what NumPy's legacy RandomState draws; reference values were printed by
// NumPy 2.4 (`np.random.seed(n)` then the named call) and are listed in ../shared/FACTS.md.
import { test } from "node:test";
import assert from "node:assert/strict";
import { NumpyRandom } from "../src/random";

test("rand after seed(0) and seed(1) matches NumPy", () => {
  assert.deepEqual([...new NumpyRandom(0).rand(3).data], [0.5488135039273248, 0.7151893663724195, 0.6027633760716439]);
  assert.deepEqual(
    [...new NumpyRandom(1).rand(3).data],
    [0.417022004702574, 0.7203244934421581, 0.00011437481734488664],
  );
});

test("uniform after seed(61185) matches NumPy (lab 004's data)", () => {
  const u = new NumpyRandom(61185).uniform({ size: [1, 3] });
  assert.deepEqual(u.shape, [1, 3]);
  assert.deepEqual([...u.data], [0.3721846932457725, 0.2188370439515236, 0.9985796343679275]);
});

test("randn and normal match NumPy's legacy polar method, cached pair included", () => {
  assert.deepEqual(
    [...new NumpyRandom(0).randn(5).data],
    [1.764052345967664, 0.4001572083672233, 0.9787379841057392, 2.240893199201458, 1.8675579901499675],
  );
  assert.deepEqual(
    [...new NumpyRandom(2).normal({ loc: 1.5, scale: 2, size: 3 }).data],
    [0.6664843051890588, 1.387466345547341, -2.772392191336908],
  );
});

test("randint, shuffle and permutation match NumPy", () => {
  assert.deepEqual([...new NumpyRandom(5).randint({ low: 0, high: 10, size: 8 }).data], [3, 6, 6, 0, 9, 8, 4, 7]);
  const r = new NumpyRandom(3);
  assert.deepEqual([...r.randint({ low: 0, high: 2 ** 31, size: 3 }).data], [218175338, 303761048, 893988089]);
  assert.deepEqual([...r.randint({ low: -5, high: 5, size: 4 }).data], [-2, 3, 3, -5]);
  const a = Array.from({ length: 10 }, (_, i) => i);
  new NumpyRandom(5).shuffle(a);
  assert.deepEqual(a, [9, 5, 2, 4, 7, 1, 0, 8, 6, 3]);
  assert.deepEqual(new NumpyRandom(5).permutation(7), [6, 2, 4, 1, 0, 5, 3]);
});

test("bad seeds and sizes are refused with a message naming them", () => {
  assert.throws(() => new NumpyRandom(-1), /seed must be an integer in \[0, 2\^32 - 1\], got -1/);
  assert.throws(() => new NumpyRandom(0).rand([2, 1.5]), /rand: size must be non-negative integers, got \[2, 1.5\]/);
  assert.throws(() => new NumpyRandom(0).randint({ low: 3, high: 3, size: 1 }), /low < high/);
});
