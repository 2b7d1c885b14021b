// Offline GoogleSQL checks of the BigQuery views with Google's ZetaSQL
// reference implementation (npm @fivetrandevelopers/zetasql: a gRPC server
// binary plus its node client). Two modes:
//
//   node .ci/googlesql-check.js analyze SCHEMA_JSON VIEWS_SQL
//     Analyzes every statement of VIEWS_SQL (`strava-warehouse views
//     --dialect bigquery` for ci-project.ci_dataset) in order against a
//     catalog of the product's tables (from `strava-warehouse schema --format
//     bigquery`) plus the columns of the views before it. Fails on anything
//     the analyzer rejects: unknown tables or columns, type errors, wrong
//     function signatures, invalid windows.
//
//   node .ci/googlesql-check.js execute REQUEST_JSON ANSWER_JSON
//     Executes views (EvaluateQuery) over given table rows, each view reading
//     the earlier views' results, and writes every view's columns and rows as
//     JSON to ANSWER_JSON (stdout carries the server's own messages). tests/views_zetasql.rs writes the request and compares
//     the answer with DuckDB's; the format is documented there.
//
// Run by .ci/googlesql-check (which installs the package); NODE_PATH must
// reach its node_modules.
'use strict';

const fs = require('fs');
const net = require('net');
const { promisify } = require('util');
const zeta = require('@fivetrandevelopers/zetasql');

const PROJECT = 'ci-project';
const DATASET = 'ci_dataset';
const HEAD = /CREATE OR REPLACE VIEW `([^`]+)` AS\s/;

// BigQuery JSON schema types (and the request's type names) -> ZetaSQL TypeKind.
const KINDS = {
  INTEGER: 'TYPE_INT64', INT64: 'TYPE_INT64', FLOAT: 'TYPE_DOUBLE', FLOAT64: 'TYPE_DOUBLE',
  NUMERIC: 'TYPE_NUMERIC', BIGNUMERIC: 'TYPE_BIGNUMERIC', STRING: 'TYPE_STRING',
  BYTES: 'TYPE_BYTES', BOOLEAN: 'TYPE_BOOL', BOOL: 'TYPE_BOOL', TIMESTAMP: 'TYPE_TIMESTAMP',
  DATE: 'TYPE_DATE', DATETIME: 'TYPE_DATETIME', TIME: 'TYPE_TIME', JSON: 'TYPE_JSON',
};
// ZetaSQL TypeKind numbers (zetasql/public/type.proto) -> names in the answer.
const KIND_NAMES = { 2: 'INT64', 5: 'BOOL', 7: 'FLOAT64', 8: 'STRING', 10: 'DATE', 19: 'TIMESTAMP', 21: 'DATETIME', 23: 'NUMERIC' };

// `schema --format bigquery` prints one JSON object per table, concatenated.
function parseConcatenated(text) {
  const out = [];
  let depth = 0, start = -1, inString = false, escaped = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (inString) {
      if (escaped) escaped = false;
      else if (c === '\\') escaped = true;
      else if (c === '"') inString = false;
    } else if (c === '"') inString = true;
    else if (c === '{') { if (depth++ === 0) start = i; }
    else if (c === '}' && --depth === 0) out.push(JSON.parse(text.slice(start, i + 1)));
  }
  return out;
}

function fieldType(f) {
  const kind = KINDS[f.type];
  if (!kind) throw new Error(`schema: column ${f.name} has type ${f.type}, not mapped here`);
  const t = { typeKind: kind };
  return f.mode === 'REPEATED' ? { typeKind: 'TYPE_ARRAY', arrayType: { elementType: t } } : t;
}

// A backticked `project.dataset.table` is one identifier to ZetaSQL: the
// catalog holds tables under that full name, and table_content is keyed by it.
const fullName = name => `${PROJECT}.${DATASET}.${name}`;

// `views` prints each statement closed by `;` and a blank line.
function statements(script) {
  return script.split(/;\n\n/).map(s => s.trim()).filter(s => s).map(sql => {
    const head = HEAD.exec(sql);
    if (!head) throw new Error(`not a CREATE OR REPLACE VIEW statement: ${sql.slice(0, 80)}`);
    return { name: head[1], sql, query: sql.slice(head.index + head[0].length) };
  });
}

function withoutNulls(v) {
  if (Array.isArray(v)) return v.map(withoutNulls);
  if (v && typeof v === 'object') {
    return Object.fromEntries(Object.entries(v).filter(([, x]) => x !== null).map(([k, x]) => [k, withoutNulls(x)]));
  }
  return v;
}

function freePort() {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.listen(0, '127.0.0.1', () => { const { port } = s.address(); s.close(() => resolve(port)); });
    s.on('error', reject);
  });
}

// Starts the server; returns the client and the language options both modes
// need: every feature, in BigQuery's external product mode (FLOAT64, not
// DOUBLE), set in the analyzer options AND the catalog's builtin functions.
async function start() {
  const port = await freePort();
  zeta.runServer(port).catch(() => {});
  zeta.ZetaSQLClient.init(port);
  const client = zeta.ZetaSQLClient.getInstance();
  for (let i = 0; !(await client.testConnection().catch(() => false)); i++) {
    if (i > 100) throw new Error('the ZetaSQL server did not come up');
    await client.delay(100);
  }
  const languageOptions = {
    ...(await zeta.LanguageOptions.getMaxFeatures()),
    productMode: 'PRODUCT_EXTERNAL',
    supportedStatementKinds: ['RESOLVED_CREATE_VIEW_STMT', 'RESOLVED_QUERY_STMT'],
  };
  return { client, languageOptions };
}

async function analyze(schemaFile, scriptFile) {
  const tables = parseConcatenated(fs.readFileSync(schemaFile, 'utf8'))
    .map(t => ({ name: fullName(t.table), column: t.fields.map(f => ({ name: f.name, type: fieldType(f) })) }));
  if (tables.length === 0) throw new Error(`${schemaFile}: no tables`);
  const views = statements(fs.readFileSync(scriptFile, 'utf8'));
  if (views.length === 0) throw new Error(`${scriptFile}: no views`);
  const { client, languageOptions } = await start();
  const failedViews = [];
  let failed = 0, skipped = 0;
  for (const view of views) {
    const catalog = { name: 'ci', table: tables, builtinFunctionOptions: { languageOptions } };
    try {
      const answer = await client.analyze({ sqlStatement: view.sql, simpleCatalog: catalog, options: { languageOptions } });
      // ResolvedCreateViewStmt -> .parent ResolvedCreateViewBase (the
      // output columns) -> .parent ResolvedCreateStatement (the name).
      const stmt = (((answer.resolvedStatement || {}).resolvedCreateStatementNode || {})
        .resolvedCreateViewBaseNode || {}).resolvedCreateViewStmtNode;
      if (!stmt) throw new Error('not a CREATE VIEW statement');
      const columns = stmt.parent.outputColumnList.map(c => ({ name: c.name, type: withoutNulls(c.column.type) }));
      // The next views read this one: add its columns to the catalog.
      tables.push({ name: view.name, column: columns });
      console.log(`ok   ${view.name} (${columns.length} columns)`);
    } catch (e) {
      const message = e.details || e.message;
      const missing = failedViews.find(v => message.includes(`Table not found: \`${v}\``));
      failedViews.push(view.name);
      if (missing) skipped++; else failed++;
      console.log(missing ? `SKIP ${view.name}: reads ${missing}, which failed` : `FAIL ${view.name}: ${message}`);
    }
  }
  if (failed) {
    console.log(`googlesql-check: ${failed} of ${views.length} views rejected by the ZetaSQL analyzer` +
      (skipped ? `, ${skipped} not checked (they read a rejected one)` : ''));
    return 1;
  }
  console.log(`googlesql-check: all ${views.length} views pass the ZetaSQL analyzer`);
  return 0;
}

// --- execute -----------------------------------------------------------------

const MICROS = 1000000n;

function int64(v) {
  if (typeof v === 'object' && v !== null && 'low' in v) {
    return BigInt.asIntN(64, (BigInt(v.high >>> 0) << 32n) | BigInt(v.low >>> 0));
  }
  return BigInt(v);
}

function dateOf(days) {
  return new Date(days * 86400000).toISOString().slice(0, 10);
}

// A request cell -> ValueProto (NULL is the empty value).
function encode(type, cell) {
  if (cell === null) return {};
  switch (type) {
    case 'INT64': return { int64Value: String(cell) };
    case 'FLOAT64': return { doubleValue: Number(cell) };
    case 'BOOL': return { boolValue: cell };
    case 'STRING': return { stringValue: cell };
    case 'DATE': return { dateValue: cell }; // days since 1970-01-01
    case 'TIMESTAMP': { // microseconds since the epoch
      const us = BigInt(cell);
      const s = us >= 0n ? us / MICROS : -((-us + MICROS - 1n) / MICROS);
      return { timestampValue: { seconds: String(s), nanos: Number(us - s * MICROS) * 1000 } };
    }
    case 'DATETIME': { // wall-clock microseconds since 1970-01-01 00:00
      const us = BigInt(cell);
      const ms = Number(us / 1000n);
      const d = new Date(ms);
      const bits = (BigInt(d.getUTCFullYear()) << 26n) | (BigInt(d.getUTCMonth() + 1) << 22n) |
        (BigInt(d.getUTCDate()) << 17n) | (BigInt(d.getUTCHours()) << 12n) |
        (BigInt(d.getUTCMinutes()) << 6n) | BigInt(d.getUTCSeconds());
      return { datetimeValue: { bitFieldDatetimeSeconds: bits.toString(), nanos: Number(us % MICROS) * 1000 } };
    }
    default: throw new Error(`no encoding for ${type}`);
  }
}

// A result ValueProto -> an answer cell: INT64 as a decimal string, FLOAT64 as
// a number (or "NaN"/"Infinity"/"-Infinity"), DATE as YYYY-MM-DD, TIMESTAMP as
// epoch microseconds (a string), DATETIME as wall-clock microseconds since
// 1970-01-01 00:00 (a string).
function decode(type, v) {
  if (!v || !v.value) return null;
  switch (type) {
    case 'INT64': return int64(v.int64Value).toString();
    case 'FLOAT64': return Number.isFinite(v.doubleValue) ? v.doubleValue : String(v.doubleValue);
    case 'BOOL': return v.boolValue;
    case 'STRING': return v.stringValue;
    case 'DATE': return dateOf(v.dateValue);
    case 'TIMESTAMP':
      return (int64(v.timestampValue.seconds) * MICROS + BigInt(v.timestampValue.nanos) / 1000n).toString();
    case 'DATETIME': {
      const b = int64(v.datetimeValue.bitFieldDatetimeSeconds);
      const f = (shift, width) => Number((b >> BigInt(shift)) & ((1n << BigInt(width)) - 1n));
      const ms = Date.UTC(f(26, 14), f(22, 4) - 1, f(17, 5), f(12, 5), f(6, 6), f(0, 6));
      return (BigInt(ms) * 1000n + BigInt(Math.floor(v.datetimeValue.nanos / 1000))).toString();
    }
    default: throw new Error(`no decoding for ${type}`);
  }
}

// Request: {"tables": [{"name", "columns": [{"name", "type"}], "rows": [[cell]]}],
//           "script": the rendered GoogleSQL views (`views --dialect bigquery`)}
// with type one of INT64 FLOAT64 BOOL STRING DATE TIMESTAMP DATETIME.
// Answer:  {"views": [{"name", "columns": [{"name", "type"}], "rows": [[cell]],
//           "ms"}], "failed": {"name", "error"} if a view failed}
async function execute(requestFile, answerFile) {
  const request = JSON.parse(fs.readFileSync(requestFile, 'utf8'));
  const { client, languageOptions } = await start();
  const api = zeta.ZetaSQLClient.API;
  const evaluateQuery = promisify(api.evaluateQuery.bind(api));
  const catalogTables = [];
  const content = {};
  const add = (name, columns, rows) => {
    catalogTables.push({ name, column: columns.map(c => ({ name: c.name, type: { typeKind: KINDS[c.type] } })) });
    content[name] = { tableData: { row: rows.map(cell => ({ cell })) } };
  };
  for (const t of request.tables) {
    add(fullName(t.name), t.columns, t.rows.map(r => r.map((x, i) => encode(t.columns[i].type, x))));
  }
  const answer = { views: [] };
  for (const view of statements(request.script)) {
    const started = Date.now();
    try {
      const r = await evaluateQuery({
        sql: view.query,
        // ZetaSQL's default zone is America/Los_Angeles; BigQuery's is UTC.
        options: { languageOptions, defaultTimezone: 'UTC' },
        simpleCatalog: { name: 'ci', table: catalogTables, builtinFunctionOptions: { languageOptions } },
        tableContent: content,
      });
      const columns = r.prepared.columns.map(c => {
        const type = KIND_NAMES[c.type.typeKind];
        if (!type) throw new Error(`column ${c.name}: ZetaSQL type kind ${c.type.typeKind} is not handled here`);
        return { name: c.name, type };
      });
      const resultRows = ((r.content || {}).tableData || {}).row || [];
      const rows = resultRows.map(row => row.cell.map((v, i) => decode(columns[i].type, v)));
      answer.views.push({ name: view.name, columns, rows, ms: Date.now() - started });
      // The next views read this one's result, as BigQuery would.
      add(view.name, columns, resultRows.map(row => row.cell.map(again)));
    } catch (e) {
      answer.failed = { name: view.name, error: e.details || e.message };
      break;
    }
  }
  fs.writeFileSync(answerFile, JSON.stringify(answer));
  return 0;
}

// A result value, fed to the next view: the 64-bit fields the client decoded
// into {low, high} go back as decimal strings.
function again(v) {
  if (!v || !v.value) return {};
  const x = v[v.value];
  switch (v.value) {
    case 'int64Value': return { int64Value: int64(x).toString() };
    case 'timestampValue': return { timestampValue: { seconds: int64(x.seconds).toString(), nanos: x.nanos } };
    case 'datetimeValue':
      return { datetimeValue: { bitFieldDatetimeSeconds: int64(x.bitFieldDatetimeSeconds).toString(), nanos: x.nanos } };
    default: return { [v.value]: x };
  }
}

async function main() {
  const [mode, ...args] = process.argv.slice(2);
  if (mode === 'analyze' && args.length === 2) return analyze(...args);
  if (mode === 'execute' && args.length === 2) return execute(...args);
  throw new Error('usage: googlesql-check.js analyze SCHEMA_JSON VIEWS_SQL | execute REQUEST_JSON ANSWER_JSON');
}

main().then(
  code => { zeta.terminateServer(); process.exit(code); },
  e => { console.error(`googlesql-check: ${e.stack || e}`); try { zeta.terminateServer(); } catch (_) {} process.exit(2); });
