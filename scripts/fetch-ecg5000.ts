/**
 * Fetches ECG5000 as the UCR/UEA archive distributes it (one zip per data set), checks it, and
 * writes ECG5000_TRAIN.txt.gz and ECG5000_TEST.txt.gz where lab 002's loader reads them.
 *
 *   npx tsx scripts/fetch-ecg5000.ts                 download, check, write to data/ECG5000/
 *   npx tsx scripts/fetch-ecg5000.ts --zip FILE      use a zip downloaded before (no network)
 *   npx tsx scripts/fetch-ecg5000.ts --out DIR       write somewhere else
 *   npx tsx scripts/fetch-ecg5000.ts --url URL       another mirror of the same zip
 *
 * The project already ships both files (data/ECG5000/README.md): the train file is the UCR
 * original byte for byte, the test file a rebuild rounded to about 5 significant digits. This
 * script is for users with the network who want the exact original test file. It checks the
 * train file against the sha256 in the README and the test file against its published size and
 * class counts (no checksum of the original test file is on record here), and refuses to write
 * anything that fails. Never run by the tests or CI (they have no network); its checks are
 * tested on local files. Introduced in lab 002.
 */
import { createHash } from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";
import * as zlib from "node:zlib";
import { ECG5000, ECG5000_DIR, parseUcr } from "../src/datasets/ecg5000";

export const ECG5000_ZIP_URL = "https://www.timeseriesclassification.com/aeon-toolkit/ECG5000.zip";

/** What the original files must be (data/ECG5000/README.md, from the UCR archive). */
export const EXPECTED = {
  TRAIN: { bytes: 1_128_500, sha256: "0d96aff193311a6dc6111bf0dbd2f7d2313987fbf7a1da4a383d92563876057b" },
  TEST: { bytes: 10_156_500, sha256: undefined as string | undefined },
} as const;

export function sha256(bytes: Uint8Array): string {
  return createHash("sha256").update(bytes).digest("hex");
}

/**
 * Checks one file of the archive: size, sha256 when one is on record, and content (rows, 140
 * values, labels 1..5, the published class counts). Throws naming the file and what differs.
 */
export function verifyEcg5000File(split: "TRAIN" | "TEST", bytes: Uint8Array, name = `ECG5000_${split}.txt`): void {
  const expected = EXPECTED[split];
  if (bytes.length !== expected.bytes) {
    throw new Error(`${name}: ${bytes.length} bytes, the UCR original has ${expected.bytes}`);
  }
  if (expected.sha256 !== undefined) {
    const actual = sha256(bytes);
    if (actual !== expected.sha256)
      throw new Error(`${name}: sha256 ${actual}, the UCR original has ${expected.sha256}`);
  }
  const data = parseUcr(Buffer.from(bytes).toString("utf8"), {
    file: name,
    labels: ECG5000.labels,
    length: ECG5000.length,
    rows: ECG5000.rows[split],
  });
  const counts = ECG5000.classCounts[split];
  if (data.classCounts.some((c, k) => c !== counts[k])) {
    throw new Error(`${name}: class counts ${data.classCounts.join("/")}, the UCR original has ${counts.join("/")}`);
  }
}

/**
 * The files of a zip archive whose names end with one of `names` (any folder), as bytes.
 * Reads the central directory; handles stored and deflated entries (all the archive uses).
 */
export function extractFromZip(
  zip: Uint8Array,
  names: readonly string[],
  zipName = "the zip",
): Map<string, Uint8Array> {
  const buf = Buffer.from(zip.buffer, zip.byteOffset, zip.byteLength);
  // End of central directory: signature 0x06054b50 within the last 64 KiB + 22 bytes.
  let eocd = -1;
  for (let i = buf.length - 22; i >= Math.max(0, buf.length - 65557); i--) {
    if (buf.readUInt32LE(i) === 0x06054b50) {
      eocd = i;
      break;
    }
  }
  if (eocd < 0) throw new Error(`${zipName}: not a zip file (no end-of-central-directory record; truncated download?)`);
  const entries = buf.readUInt16LE(eocd + 10);
  let at = buf.readUInt32LE(eocd + 16);
  const found = new Map<string, Uint8Array>();
  for (let e = 0; e < entries; e++) {
    if (at + 46 > buf.length || buf.readUInt32LE(at) !== 0x02014b50)
      throw new Error(`${zipName}: damaged central directory at entry ${e}`);
    const method = buf.readUInt16LE(at + 10);
    const crc = buf.readUInt32LE(at + 16);
    const compressedSize = buf.readUInt32LE(at + 20);
    const size = buf.readUInt32LE(at + 24);
    const nameLength = buf.readUInt16LE(at + 28);
    const extraLength = buf.readUInt16LE(at + 30);
    const commentLength = buf.readUInt16LE(at + 32);
    const localHeader = buf.readUInt32LE(at + 42);
    const entryName = buf.toString("utf8", at + 46, at + 46 + nameLength);
    at += 46 + nameLength + extraLength + commentLength;
    const wanted = names.find((n) => entryName === n || entryName.endsWith(`/${n}`));
    if (!wanted) continue;
    if (buf.readUInt32LE(localHeader) !== 0x04034b50)
      throw new Error(`${zipName}: damaged local header for ${entryName}`);
    const dataStart = localHeader + 30 + buf.readUInt16LE(localHeader + 26) + buf.readUInt16LE(localHeader + 28);
    const raw = buf.subarray(dataStart, dataStart + compressedSize);
    if (raw.length !== compressedSize) throw new Error(`${zipName}: ${entryName} is cut short (truncated download?)`);
    let bytes: Uint8Array;
    if (method === 0) bytes = raw;
    else if (method === 8) bytes = zlib.inflateRawSync(raw);
    else
      throw new Error(
        `${zipName}: ${entryName} uses compression method ${method}; only stored (0) and deflate (8) are handled`,
      );
    if (bytes.length !== size)
      throw new Error(`${zipName}: ${entryName} inflates to ${bytes.length} bytes, its header says ${size}`);
    if (zlib.crc32(bytes) !== crc)
      throw new Error(`${zipName}: ${entryName} fails its CRC-32 check (damaged download?)`);
    found.set(wanted, bytes);
  }
  const missing = names.filter((n) => !found.has(n));
  if (missing.length) throw new Error(`${zipName}: no ${missing.join(", ")} in the archive`);
  return found;
}

/** Checks both files in the zip and writes them gzip-compressed to `outDir`. Returns the paths. */
export function installFromZip(zip: Uint8Array, outDir: string, zipName = "the zip"): string[] {
  const files = extractFromZip(zip, ["ECG5000_TRAIN.txt", "ECG5000_TEST.txt"], zipName);
  // Check everything before writing anything.
  for (const split of ["TRAIN", "TEST"] as const) verifyEcg5000File(split, files.get(`ECG5000_${split}.txt`)!);
  fs.mkdirSync(outDir, { recursive: true });
  const written: string[] = [];
  for (const split of ["TRAIN", "TEST"] as const) {
    const target = path.join(outDir, `ECG5000_${split}.txt.gz`);
    fs.writeFileSync(target, zlib.gzipSync(files.get(`ECG5000_${split}.txt`)!));
    written.push(target);
  }
  return written;
}

function parseArgs(argv: string[]): { zip?: string; out: string; url: string } {
  const args: { zip?: string; out: string; url: string } = { out: ECG5000_DIR, url: ECG5000_ZIP_URL };
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i];
    const value = argv[i + 1];
    if (!["--zip", "--out", "--url"].includes(flag))
      throw new Error(`unknown argument ${flag}; use --zip FILE, --out DIR, --url URL`);
    if (value === undefined) throw new Error(`${flag} needs a value`);
    (args as Record<string, string>)[flag.slice(2)] = value;
    i++;
  }
  return args;
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  let zip: Uint8Array;
  let zipName: string;
  if (args.zip) {
    zip = fs.readFileSync(args.zip);
    zipName = args.zip;
  } else {
    console.log(`downloading ${args.url}`);
    const response = await fetch(args.url);
    if (!response.ok) throw new Error(`${args.url}: HTTP ${response.status} ${response.statusText}`);
    zip = new Uint8Array(await response.arrayBuffer());
    zipName = args.url;
    console.log(`got ${zip.length} bytes, sha256 ${sha256(zip)}`);
  }
  for (const file of installFromZip(zip, args.out, zipName)) console.log(`checked and wrote ${file}`);
}

if (require.main === module) {
  main().catch((error) => {
    console.error(`fetch-ecg5000: ${(error as Error).message}`);
    process.exit(1);
  });
}
