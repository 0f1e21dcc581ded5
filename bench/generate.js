// Deterministic benchmark dataset generator for barge.
//
//   node bench/generate.js [--rows N] [--dir DIR] [--force]
//
// Writes, for N rows (cached by row count, regenerated only when missing):
//   <dir>/bench-v1-<N>.csv     header + N records, ~150 bytes/row
//   <dir>/bench-v1-<N>.ndjson  the same records as NDJSON
//   <dir>/schema.json          a barge schema checking every column
//
// Records come from a seeded PRNG (mulberry32, fixed seed), so a given row count
// always produces byte-identical files, and a smaller file is a prefix of a
// larger one. Output is streamed in chunks with backpressure: memory is flat
// whatever N is (10M rows ≈ 1.5 GB CSV + 2.3 GB NDJSON).

import fs from 'node:fs';
import path from 'node:path';
import { once } from 'node:events';
import { fileURLToPath, pathToFileURL } from 'node:url';

const HERE = path.dirname(fileURLToPath(import.meta.url));
export const DEFAULT_DIR = path.join(HERE, 'data');
export const SEED = 0x5eed_ba46;
const VERSION = 'v1';

export const CATEGORIES = ['tools', 'toys', 'garden', 'kitchen', 'electronics', 'books'];
export const EMAIL_PATTERN = '^[a-z0-9._%+-]+@[a-z0-9.-]+\\.[a-z]{2,}$';

export const SCHEMA = {
  table: 'bench',
  primaryKey: ['id'],
  columns: {
    id: { type: 'integer', required: true, min: 1 },
    name: { type: 'string', required: true, maxLength: 64 },
    email: { type: 'string', pattern: EMAIL_PATTERN },
    price: { type: 'number', min: 0 },
    qty: { type: 'integer', min: 0, max: 1000 },
    active: { type: 'boolean' },
    released: { type: 'date' },
    category: { type: 'string', enum: CATEGORIES },
    note: { type: 'string', maxLength: 200 },
    discount: { type: 'number', min: 0, max: 1 },
  },
};

export const COLUMNS = Object.keys(SCHEMA.columns);

const FIRST = ['Ava', 'Liam', 'Noah', 'Emma', 'Olivia', 'Mateo', 'Sofia', 'Lucas', 'Mia', 'Ethan',
  'Amelia', 'Hugo', 'Chloe', 'Arjun', 'Yuki', 'Zara', 'Omar', 'Ines', 'Leo', 'Nora',
  'Kai', 'Freya', 'Ivan', 'Aisha', 'Jonas', 'Elena', 'Tomas', 'Priya', 'Felix', 'Lea'];
const LAST = ['Smith', 'Kowalski', 'Garcia', 'Nguyen', 'Muller', 'Rossi', 'Tanaka', 'Silva',
  'Dubois', 'Novak', 'Jensen', 'Okafor', 'Haddad', 'Larsen', 'Moreau', 'Schmidt', 'Patel',
  'Ivanova', 'Costa', 'Fischer', 'Brown', 'Kim', 'Lopez', 'Weber', 'Andersen', 'Horvat'];
const DOMAINS = ['example.com', 'mail.example.org', 'corp.example.net', 'shop.example.io'];
const ADJ = ['sturdy', 'compact', 'blue', 'refurbished', 'heavy', 'light', 'waterproof',
  'vintage', 'ergonomic', 'foldable', 'wireless', 'handmade'];
const NOUN = ['hammer', 'kettle', 'lamp', 'drill', 'puzzle', 'novel', 'speaker', 'rake',
  'blender', 'robot', 'ladder', 'teapot'];
const EXTRA = ['ships in 2 days', 'limited stock', 'gift wrap ok', 'see manual', 'no returns',
  'box slightly damaged'];

/** mulberry32: tiny, fast, good-enough 32-bit PRNG. Returns floats in [0, 1). */
export function mulberry32(seed) {
  let a = seed >>> 0;
  return function next() {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
const pad2 = (n) => (n < 10 ? '0' + n : '' + n);

/** Returns a function producing record `i` (1-based, called in order). */
export function recordFactory(seed = SEED) {
  const rnd = mulberry32(seed);
  const int = (n) => Math.floor(rnd() * n); // 0..n-1
  const pick = (arr) => arr[int(arr.length)];
  return function makeRecord(id) {
    const first = pick(FIRST);
    const last = pick(LAST);
    const name = `${first} ${String.fromCharCode(65 + int(26))}. ${last}`;
    const email = `${first}.${last}${int(100000)}@${pick(DOMAINS)}`.toLowerCase();
    const price = (int(1000000) / 100).toFixed(2); // 0.00 .. 9999.99
    const qty = int(1001); // 0..1000
    const active = rnd() < 0.7;
    const year = 2000 + int(25);
    const month = 1 + int(12);
    const leap = (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
    const dim = month === 2 && leap ? 29 : DAYS_IN_MONTH[month - 1];
    const released = `${year}-${pad2(month)}-${pad2(1 + int(dim))}`;
    const category = pick(CATEGORIES);
    // ~40-50 chars, always with commas; ~5% contain a double quote.
    let note = `${pick(ADJ)} ${pick(NOUN)}, ${pick(ADJ)}, ${pick(EXTRA)}`;
    if (rnd() < 0.05) note += `, ${1 + int(30)}" wide`;
    else note += `, qty ${int(1000)}`;
    const discount = rnd() < 0.1 ? null : (int(101) / 100).toFixed(2); // 0.00..1.00 or null
    return { id, name, email, price, qty, active, released, category, note, discount };
  };
}

function csvField(s) {
  return /[",\r\n]/.test(s) ? '"' + s.replace(/"/g, '""') + '"' : s;
}

export function toCsvLine(r) {
  return `${r.id},${r.name},${r.email},${r.price},${r.qty},${r.active},${r.released},${r.category},${csvField(r.note)},${r.discount ?? ''}\n`;
}

export function toNdjsonLine(r) {
  // Built by hand for speed; only `note` can need escaping. Numbers are written
  // through Number() so "12.30" becomes 12.3, as JSON.stringify would.
  return `{"id":${r.id},"name":"${r.name}","email":"${r.email}","price":${Number(r.price)},"qty":${r.qty},"active":${r.active},"released":"${r.released}","category":"${r.category}","note":${JSON.stringify(r.note)},"discount":${r.discount === null ? 'null' : Number(r.discount)}}\n`;
}

export function dataPaths({ rows, dir = DEFAULT_DIR }) {
  const base = path.join(dir, `bench-${VERSION}-${rows}`);
  return {
    csv: `${base}.csv`,
    ndjson: `${base}.ndjson`,
    schema: path.join(dir, 'schema.json'),
  };
}

async function writeChunk(stream, chunk) {
  if (!stream.write(chunk)) await once(stream, 'drain');
}

async function closeStream(stream) {
  await new Promise((resolve, reject) => {
    stream.once('error', reject);
    stream.end(resolve);
  });
}

/**
 * Generate (or reuse cached) dataset files for `rows` records in `dir`.
 * Returns { csv, ndjson, schema, rows, generated, ms, csvBytes, ndjsonBytes }.
 */
export async function generate({ rows, dir = DEFAULT_DIR, force = false, log = () => {} } = {}) {
  if (!Number.isInteger(rows) || rows < 1) throw new Error(`rows must be a positive integer, got ${rows}`);
  fs.mkdirSync(dir, { recursive: true });
  const paths = dataPaths({ rows, dir });
  const schemaText = JSON.stringify(SCHEMA, null, 2) + '\n';
  if (!fs.existsSync(paths.schema) || fs.readFileSync(paths.schema, 'utf8') !== schemaText) {
    fs.writeFileSync(paths.schema, schemaText);
  }

  const t0 = performance.now();
  let generated = false;
  if (force || !fs.existsSync(paths.csv) || !fs.existsSync(paths.ndjson)) {
    generated = true;
    log(`generating ${rows.toLocaleString('en-US')} rows into ${dir} ...`);
    const tmpCsv = `${paths.csv}.tmp-${process.pid}`;
    const tmpNd = `${paths.ndjson}.tmp-${process.pid}`;
    const csv = fs.createWriteStream(tmpCsv, { highWaterMark: 1 << 20 });
    const nd = fs.createWriteStream(tmpNd, { highWaterMark: 1 << 20 });
    const failures = [];
    csv.on('error', (e) => failures.push(e));
    nd.on('error', (e) => failures.push(e));
    try {
      const make = recordFactory(SEED);
      const CHUNK = 2000;
      await writeChunk(csv, COLUMNS.join(',') + '\n');
      for (let start = 1; start <= rows; start += CHUNK) {
        if (failures.length) throw failures[0];
        const end = Math.min(rows, start + CHUNK - 1);
        let c = '';
        let n = '';
        for (let i = start; i <= end; i++) {
          const r = make(i);
          c += toCsvLine(r);
          n += toNdjsonLine(r);
        }
        // Both writes are issued before waiting, then we wait for each one that asked us to.
        const okC = csv.write(c);
        const okN = nd.write(n);
        if (!okC) await once(csv, 'drain');
        if (!okN && nd.writableNeedDrain) await once(nd, 'drain');
      }
      await closeStream(csv);
      await closeStream(nd);
      if (failures.length) throw failures[0];
      fs.renameSync(tmpCsv, paths.csv);
      fs.renameSync(tmpNd, paths.ndjson);
    } catch (err) {
      csv.destroy();
      nd.destroy();
      fs.rmSync(tmpCsv, { force: true });
      fs.rmSync(tmpNd, { force: true });
      throw err;
    }
  }
  const ms = performance.now() - t0;
  return {
    ...paths,
    rows,
    generated,
    ms,
    csvBytes: fs.statSync(paths.csv).size,
    ndjsonBytes: fs.statSync(paths.ndjson).size,
  };
}

function parseArgs(argv) {
  const opts = { rows: 1_000_000, dir: DEFAULT_DIR, force: false };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const val = () => {
      const v = argv[++i];
      if (v === undefined) throw new Error(`${a} needs a value`);
      return v;
    };
    if (a === '--rows') opts.rows = Number(val().replace(/[_,]/g, ''));
    else if (a.startsWith('--rows=')) opts.rows = Number(a.slice(7).replace(/[_,]/g, ''));
    else if (a === '--dir') opts.dir = path.resolve(val());
    else if (a === '--force') opts.force = true;
    else if (a === '--help' || a === '-h') {
      console.log('usage: node bench/generate.js [--rows N] [--dir DIR] [--force]');
      process.exit(0);
    } else throw new Error(`unknown option: ${a}`);
  }
  return opts;
}

if (process.argv[1] && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href) {
  try {
    const opts = parseArgs(process.argv.slice(2));
    const r = await generate({ ...opts, log: (m) => console.error(m) });
    const mb = (b) => (b / 1e6).toFixed(1) + ' MB';
    console.log(
      `${r.generated ? 'generated' : 'cached'}: ${r.rows} rows in ${(r.ms / 1000).toFixed(2)} s\n` +
        `  ${r.csv} (${mb(r.csvBytes)}, ${(r.csvBytes / r.rows).toFixed(1)} B/row)\n` +
        `  ${r.ndjson} (${mb(r.ndjsonBytes)})\n` +
        `  ${r.schema}`,
    );
  } catch (err) {
    console.error(`generate: ${err.message}`);
    process.exit(2);
  }
}
