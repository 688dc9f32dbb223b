// Lab 002's data: the ECG5000 loader (shapes, label counts, values, errors on bad files) and the
// checks of scripts/fetch-ecg5000.ts, run on local files (the tests never touch the network).
import { test } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import * as zlib from "node:zlib";
import {
  DataFileError,
  ECG5000,
  ECG5000_DIR,
  ecg5000File,
  loadEcg5000,
  parseUcr,
  readDataText,
  rowsPerClass,
  selectSeries,
} from "../src/datasets/ecg5000";
import { shuffledBatches } from "../src/datasets/mini-batches";
import { NumpyRandom } from "../src/random";
import { EXPECTED, extractFromZip, installFromZip, sha256, verifyEcg5000File } from "../scripts/fetch-ecg5000";

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "bptt-ecg5000-"));
const labels = ECG5000.labels;

function rowText(label: number, values: number[]): string {
  return [label, ...values]
    .map((v) =>
      v
        .toExponential(7)
        .replace(/e([+-])(\d)$/, "e$10$2")
        .padStart(16),
    )
    .join("");
}

test("the shipped files load as the original loads them: time-major inputs, one-hot labels", () => {
  const train = loadEcg5000("TRAIN");
  const testSet = loadEcg5000("TEST");
  assert.deepEqual(train.x.shape, [140, 500, 1]);
  assert.deepEqual(train.y.shape, [500, 5]);
  assert.deepEqual(testSet.x.shape, [140, 4500, 1]);
  assert.deepEqual(testSet.y.shape, [4500, 5]);
  // Class counts published with the archive (data/ECG5000/README.md).
  assert.deepEqual(train.classCounts, [292, 177, 10, 19, 2]);
  assert.deepEqual(testSet.classCounts, [2627, 1590, 86, 175, 22]);
  // First row of ECG5000_TRAIN.txt: label 1, then -1.1252183e-01 -2.8272038e+00 … ; X[t, n, 0] is value t of row n.
  assert.deepEqual([...train.y.data.subarray(0, 5)], [1, 0, 0, 0, 0]);
  assert.equal(train.x.data[0], -0.11252183);
  assert.equal(train.x.data[1 * 500], -2.8272038);
  // First row of the test file: 3.6908 then 0.71141.
  assert.equal(testSet.x.data[0], 3.6908);
  assert.equal(testSet.x.data[4500], 0.71141);
  // Every row is one-hot and agrees with `classes`.
  for (let n = 0; n < 500; n++) {
    const row = train.y.data.subarray(n * 5, n * 5 + 5);
    assert.equal(
      row.reduce((a, b) => a + b, 0),
      1,
    );
    assert.equal(row[train.classes[n]], 1);
  }
  // z-normalised series: each has mean ≈ 0 and standard deviation ≈ 1.
  let mean = 0,
    sq = 0;
  for (let t = 0; t < 140; t++) {
    mean += train.x.data[t * 500 + 7] / 140;
    sq += train.x.data[t * 500 + 7] ** 2 / 140;
  }
  assert.ok(Math.abs(mean) < 1e-6 && Math.abs(Math.sqrt(sq - mean * mean) - 1) < 0.01, `row 7: mean ${mean}, sq ${sq}`);
});

test("the shipped train file is the UCR original (sha256 of the decompressed bytes)", () => {
  const bytes = zlib.gunzipSync(fs.readFileSync(path.join(ECG5000_DIR, "ECG5000_TRAIN.txt.gz")));
  assert.equal(sha256(bytes), EXPECTED.TRAIN.sha256);
  verifyEcg5000File("TRAIN", bytes);
  const testBytes = zlib.gunzipSync(fs.readFileSync(path.join(ECG5000_DIR, "ECG5000_TEST.txt.gz")));
  assert.equal(sha256(testBytes), "684dfeebca8a19759adf6da02974d883ce304fe467d61f7fa830d246143b5357");
  verifyEcg5000File("TEST", testBytes); // same size and class counts as the original
});

test("parseUcr reads labels and values separated by any white space, and plain .txt", () => {
  const text = `${rowText(2, [0.5, -1, 2])}\n${rowText(5, [1, 1, 1])}\n1\t3\t4\t5\n`;
  const data = parseUcr(text, { file: "mem.txt", labels });
  assert.deepEqual(data.x.shape, [3, 3, 1]);
  assert.deepEqual([...data.x.data], [0.5, 1, 3, -1, 1, 4, 2, 1, 5]); // (T, N): value t of row n at t·N + n
  assert.deepEqual([...data.classes], [1, 4, 0]);
  assert.deepEqual(data.classCounts, [1, 1, 0, 0, 1]);
  const file = path.join(tmp, "plain.txt");
  fs.writeFileSync(file, text);
  assert.equal(readDataText(file), text);
});

test("selectSeries keeps inputs, labels and counts together", () => {
  const train = loadEcg5000("TRAIN");
  const sub = selectSeries(train, [3, 0, 499]);
  assert.deepEqual(sub.x.shape, [140, 3, 1]);
  assert.equal(sub.x.data[1], train.x.data[0]); // row 0 of train is row 1 of the subset, step 0
  assert.equal(sub.x.data[139 * 3 + 2], train.x.data[139 * 500 + 499]);
  assert.deepEqual([...sub.classes], [train.classes[3], train.classes[0], train.classes[499]]);
  assert.throws(() => selectSeries(train, [500]), /row 500 is not in \[0, 500\)/);
});

test("loadEcg5000's subset: the first n series of a seeded permutation, so a short run sees every class", () => {
  const all = loadEcg5000("TEST");
  const sub = loadEcg5000("TEST", { subset: 256, seed: 3 });
  // The permutation is NumPy's (np.random.seed(3); np.random.permutation(4500)); its first draws pick the rows.
  const order = new NumpyRandom(3).permutation(4500).slice(0, 256);
  assert.deepEqual(sub.x.shape, [140, 256, 1]);
  for (const [m, n] of [
    [0, order[0]],
    [255, order[255]],
  ]) {
    assert.equal(sub.x.data[m], all.x.data[n]);
    assert.equal(sub.x.data[139 * 256 + m], all.x.data[139 * 4500 + n]);
    assert.equal(sub.classes[m], all.classes[n]);
  }
  assert.equal(
    sub.classCounts.reduce((a, b) => a + b, 0),
    256,
  );
  assert.ok(sub.classCounts.filter((c) => c > 0).length >= 4, `classes in the subset: ${sub.classCounts.join(" / ")}`);
  assert.deepEqual(loadEcg5000("TEST", { subset: 0 }).classCounts, all.classCounts, "subset 0 keeps every series");
  assert.throws(
    () => loadEcg5000("TRAIN", { subset: 501 }),
    /loadEcg5000: subset must be an integer from 0 \(every series\) to 500, got 501/,
  );
});

test("rowsPerClass picks the first rows of each class in file order, all of a class that has fewer", () => {
  const train = loadEcg5000("TRAIN"); // 292 / 177 / 10 / 19 / 2 series per class
  const rows = rowsPerClass(train, 5);
  assert.equal(rows.length, 5 + 5 + 5 + 5 + 2);
  const classes = rows.map((n) => train.classes[n]);
  assert.deepEqual(classes, [0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 2, 2, 2, 2, 2, 3, 3, 3, 3, 3, 4, 4]);
  // The first of class 1 (0-based) is the first row whose label is 2.
  assert.equal(rows[5], Array.from(train.classes).indexOf(1));
  assert.throws(() => rowsPerClass(train, 0), /perClass must be a positive integer, got 0/);
});

test("shuffledBatches: every row once per epoch, a new seeded order every epoch, the data set passed along", () => {
  const data = selectSeries(
    loadEcg5000("TRAIN"),
    Array.from({ length: 70 }, (_, i) => i),
  );
  const epochs = shuffledBatches(data, { batchSize: 32, seed: 5 });
  const rng = new NumpyRandom(5); // what it must draw: np.random.seed(5), then one permutation per epoch
  for (let epoch = 0; epoch < 3; epoch++) {
    const batches = epochs(epoch);
    assert.deepEqual(
      batches.map((b) => b.rows.length),
      [32, 32, 6],
    );
    assert.deepEqual(
      batches.flatMap((b) => b.rows),
      rng.permutation(70),
    );
    for (const b of batches) assert.ok(b.x === data.x && b.y === data.y, "no copy of the data");
  }
  assert.throws(() => shuffledBatches(data, { batchSize: 0 }), /batchSize must be a positive integer, got 0/);
  assert.throws(() => shuffledBatches(data, { batchSize: 4, rng: 1 } as never), /shuffledBatches: unknown option rng/);
});

test("bad files are errors that name the file, the line and the problem", () => {
  const ok = rowText(1, [0.1, 0.2, 0.3]);
  const cases: [string, RegExp][] = [
    [`${ok}\n${rowText(2, [0.1, 0.2])}\n${ok}\n`, /bad\.txt, line 2: 2 values after the label, expected 3$/],
    [`${ok}\n${ok}\n1 0.1 0.2`, /bad\.txt, line 3: 2 values after the label, expected 3 \(is the file truncated\?\)/],
    [`${ok}\n1 0.1 abc 0.3\n`, /bad\.txt, line 2: field 3 \("abc"\) is not a finite number/],
    [`${ok}\n1 0.1 NaN 0.3\n`, /line 2: field 3 \("NaN"\) is not a finite number/],
    [`${ok}\n7 0.1 0.2 0.3\n`, /bad\.txt, line 2: label 7 is not one of 1, 2, 3, 4, 5/],
    [`${ok}\n\n${ok}\n`, /bad\.txt, line 2: empty line/],
    ["", /bad\.txt: the file is empty \(no rows\)/],
  ];
  for (const [text, message] of cases) {
    assert.throws(
      () => parseUcr(text, { file: "bad.txt", labels }),
      (e: unknown) => e instanceof DataFileError && message.test((e as Error).message),
      message.source,
    );
  }
  assert.throws(
    () => parseUcr(`${ok}\n${ok}\n`, { file: "short.txt", labels, rows: 3 }),
    /short\.txt: 2 rows, expected 3 \(is the file truncated\?\)/,
  );
  assert.throws(
    () => parseUcr(ok, { file: "x.txt", labels, length: 140 }),
    /x\.txt, line 1: 3 values after the label, expected 140/,
  );
  assert.throws(() => parseUcr(ok, { file: "x.txt", labels, shape: 1 } as never), /unknown option shape/);
});

test("a missing folder, a missing file and a truncated gzip are errors naming the file", () => {
  const empty = path.join(tmp, "empty");
  fs.mkdirSync(empty);
  assert.throws(
    () => loadEcg5000("TRAIN", { dir: empty }),
    /empty[\\/]ECG5000_TRAIN\.txt: no such file \(nor ECG5000_TRAIN\.txt\.gz\); .*fetch-ecg5000/,
  );
  assert.throws(() => readDataText(path.join(empty, "nope.txt")), /nope\.txt: no such file/);
  const cut = path.join(tmp, "cut");
  fs.mkdirSync(cut);
  const gz = fs.readFileSync(path.join(ECG5000_DIR, "ECG5000_TRAIN.txt.gz"));
  fs.writeFileSync(path.join(cut, "ECG5000_TRAIN.txt.gz"), gz.subarray(0, gz.length >> 1));
  assert.throws(
    () => loadEcg5000("TRAIN", { dir: cut }),
    /cut[\\/]ECG5000_TRAIN\.txt\.gz: is not a complete gzip file .*truncated/,
  );
  // A file cut at a line end is still caught, by its row count.
  const text = zlib.gunzipSync(gz).toString("utf8").split("\n").slice(0, 300).join("\n") + "\n";
  fs.writeFileSync(path.join(cut, "ECG5000_TRAIN.txt"), text);
  assert.equal(ecg5000File("TRAIN", cut), path.join(cut, "ECG5000_TRAIN.txt")); // .txt wins over .txt.gz
  assert.throws(
    () => loadEcg5000("TRAIN", { dir: cut }),
    /ECG5000_TRAIN\.txt: 300 rows, expected 500 \(is the file truncated\?\)/,
  );
  assert.throws(() => loadEcg5000("VALID" as never), /split must be "TRAIN" or "TEST"/);
});

// A zip writer for the fetch script's tests: stored or deflated entries, CRC-32 and sizes.
function makeZip(entries: { name: string; data: Uint8Array; deflate: boolean }[]): Buffer {
  const locals: Buffer[] = [];
  const centrals: Buffer[] = [];
  let offset = 0;
  for (const e of entries) {
    const body = e.deflate ? zlib.deflateRawSync(e.data) : Buffer.from(e.data);
    const name = Buffer.from(e.name);
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4);
    local.writeUInt16LE(e.deflate ? 8 : 0, 8);
    local.writeUInt32LE(zlib.crc32(e.data), 14);
    local.writeUInt32LE(body.length, 18);
    local.writeUInt32LE(e.data.length, 22);
    local.writeUInt16LE(name.length, 26);
    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0);
    central.writeUInt16LE(20, 4);
    central.writeUInt16LE(20, 6);
    central.writeUInt16LE(e.deflate ? 8 : 0, 10);
    central.writeUInt32LE(zlib.crc32(e.data), 16);
    central.writeUInt32LE(body.length, 20);
    central.writeUInt32LE(e.data.length, 24);
    central.writeUInt16LE(name.length, 28);
    central.writeUInt32LE(offset, 42);
    locals.push(local, name, body);
    centrals.push(central, name);
    offset += 30 + name.length + body.length;
  }
  const dir = Buffer.concat(centrals);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(entries.length, 8);
  end.writeUInt16LE(entries.length, 10);
  end.writeUInt32LE(dir.length, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...locals, dir, end]);
}

test("the fetch script's checks accept the original train file and refuse altered ones", () => {
  const bytes = zlib.gunzipSync(fs.readFileSync(path.join(ECG5000_DIR, "ECG5000_TRAIN.txt.gz")));
  verifyEcg5000File("TRAIN", bytes);
  const altered = Buffer.from(bytes);
  altered[20] = altered[20] === 0x31 ? 0x32 : 0x31; // one digit of the first value
  assert.throws(
    () => verifyEcg5000File("TRAIN", altered),
    /ECG5000_TRAIN\.txt: sha256 [0-9a-f]{64}, the UCR original has 0d96aff1/,
  );
  assert.throws(
    () => verifyEcg5000File("TRAIN", bytes.subarray(0, 1000)),
    /ECG5000_TRAIN\.txt: 1000 bytes, the UCR original has 1128500/,
  );
});

test("the fetch script extracts, checks and installs both files from a local zip", () => {
  const train = zlib.gunzipSync(fs.readFileSync(path.join(ECG5000_DIR, "ECG5000_TRAIN.txt.gz")));
  const testBytes = zlib.gunzipSync(fs.readFileSync(path.join(ECG5000_DIR, "ECG5000_TEST.txt.gz")));
  const zip = makeZip([
    { name: "ECG5000.arff", data: Buffer.from("@relation ECG5000\n"), deflate: true },
    { name: "ECG5000/ECG5000_TRAIN.txt", data: train, deflate: true },
    { name: "ECG5000_TEST.txt", data: testBytes, deflate: false },
  ]);
  const files = extractFromZip(zip, ["ECG5000_TRAIN.txt", "ECG5000_TEST.txt"]);
  assert.equal(sha256(files.get("ECG5000_TRAIN.txt")!), EXPECTED.TRAIN.sha256);
  const out = path.join(tmp, "installed");
  const written = installFromZip(zip, out);
  assert.deepEqual(
    written.map((f) => path.basename(f)),
    ["ECG5000_TRAIN.txt.gz", "ECG5000_TEST.txt.gz"],
  );
  assert.deepEqual(loadEcg5000("TRAIN", { dir: out }).classCounts, [292, 177, 10, 19, 2]);
  // Damaged archives are refused before anything is written.
  assert.throws(
    () => extractFromZip(zip.subarray(0, 5000), ["ECG5000_TRAIN.txt"], "cut.zip"),
    /cut\.zip: not a zip file .*truncated/,
  );
  assert.throws(
    () => extractFromZip(zip, ["ECG5000_VALID.txt"], "a.zip"),
    /a\.zip: no ECG5000_VALID\.txt in the archive/,
  );
  const bad = makeZip([
    {
      name: "ECG5000_TRAIN.txt",
      data: Buffer.concat([train.subarray(0, 100), Buffer.from("9"), train.subarray(101)]),
      deflate: true,
    },
    { name: "ECG5000_TEST.txt", data: testBytes, deflate: false },
  ]);
  const refused = path.join(tmp, "refused");
  assert.throws(() => installFromZip(bad, refused), /ECG5000_TRAIN\.txt: sha256 .* the UCR original has/);
  assert.equal(fs.existsSync(refused), false);
  const corrupt = Buffer.from(makeZip([{ name: "ECG5000_TRAIN.txt", data: train, deflate: false }]));
  corrupt[30 + "ECG5000_TRAIN.txt".length + 10] ^= 1;
  assert.throws(
    () => extractFromZip(corrupt, ["ECG5000_TRAIN.txt"], "c.zip"),
    /c\.zip: ECG5000_TRAIN\.txt fails its CRC-32 check/,
  );
});
