// Offline GoogleSQL check of the BigQuery views: Google's ZetaSQL analyzer
// (npm @fivetrandevelopers/zetasql, a gRPC server binary) analyzes every
// sql/bigquery/NN_*.sql in order against a catalog of the product's tables
// (from `strava-warehouse schema --format bigquery`) plus the columns of the
// views analyzed before it. Fails on anything the analyzer rejects: unknown
// tables or columns, type errors, wrong function signatures, invalid windows.
//
//   node .ci/googlesql-check.js SCHEMA_JSON [SQL_DIR]
//
// Run by .ci/googlesql-check (which installs the package); NODE_PATH must
// reach its node_modules.
'use strict';

const fs = require('fs');
const path = require('path');
const net = require('net');
const zeta = require('@fivetrandevelopers/zetasql');

const PROJECT = 'ci-project';
const DATASET = 'ci_dataset';
const PLACEHOLDER = '${dataset}';

// BigQuery JSON schema types -> ZetaSQL TypeKind.
const KINDS = {
  INTEGER: 'TYPE_INT64', INT64: 'TYPE_INT64', FLOAT: 'TYPE_DOUBLE', FLOAT64: 'TYPE_DOUBLE',
  NUMERIC: 'TYPE_NUMERIC', BIGNUMERIC: 'TYPE_BIGNUMERIC', STRING: 'TYPE_STRING',
  BYTES: 'TYPE_BYTES', BOOLEAN: 'TYPE_BOOL', BOOL: 'TYPE_BOOL', TIMESTAMP: 'TYPE_TIMESTAMP',
  DATE: 'TYPE_DATE', DATETIME: 'TYPE_DATETIME', TIME: 'TYPE_TIME', JSON: 'TYPE_JSON',
};

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
// catalog holds tables under that full name.
function table(name, columns) {
  return { name: `${PROJECT}.${DATASET}.${name}`, column: columns };
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

async function main() {
  const [schemaFile, sqlDir = path.join(__dirname, '..', 'sql', 'bigquery')] = process.argv.slice(2);
  if (!schemaFile) throw new Error('usage: googlesql-check.js SCHEMA_JSON [SQL_DIR]');
  const tables = parseConcatenated(fs.readFileSync(schemaFile, 'utf8'))
    .map(t => table(t.table, t.fields.map(f => ({ name: f.name, type: fieldType(f) }))));
  if (tables.length === 0) throw new Error(`${schemaFile}: no tables`);

  const port = await freePort();
  zeta.runServer(port).catch(() => {});
  zeta.ZetaSQLClient.init(port);
  const client = zeta.ZetaSQLClient.getInstance();
  for (let i = 0; !(await client.testConnection().catch(() => false)); i++) {
    if (i > 100) throw new Error('the ZetaSQL server did not come up');
    await client.delay(100);
  }

  // Every feature of the language, statements included (CREATE VIEW),
  // in BigQuery's external product mode (FLOAT64, not DOUBLE, in messages).
  const languageOptions = {
    ...(await zeta.LanguageOptions.getMaxFeatures()),
    productMode: 'PRODUCT_EXTERNAL',
    supportedStatementKinds: ['RESOLVED_CREATE_VIEW_STMT'],
  };
  const files = fs.readdirSync(sqlDir).filter(f => /^\d+_.*\.sql$/.test(f)).sort();
  if (files.length === 0) throw new Error(`${sqlDir}: no view files`);
  const failedViews = [];
  let failed = 0, skipped = 0;
  for (const file of files) {
    const sql = fs.readFileSync(path.join(sqlDir, file), 'utf8').split(PLACEHOLDER).join(`${PROJECT}.${DATASET}`);
    const catalog = {
      name: 'ci',
      table: tables,
      builtinFunctionOptions: { languageOptions },
    };
    try {
      const answer = await client.analyze({ sqlStatement: sql, simpleCatalog: catalog, options: { languageOptions } });
      // ResolvedCreateViewStmt -> .parent ResolvedCreateViewBase (the
      // output columns) -> .parent ResolvedCreateStatement (the name).
      const stmt = (((answer.resolvedStatement || {}).resolvedCreateStatementNode || {})
        .resolvedCreateViewBaseNode || {}).resolvedCreateViewStmtNode;
      if (!stmt) throw new Error('not a CREATE VIEW statement');
      const name = stmt.parent.parent.namePath.join('.');
      const expected = `${PROJECT}.${DATASET}.${file.replace(/^\d+_|\.sql$/g, '')}`;
      if (name !== expected) throw new Error(`creates ${name}, not ${expected}`);
      const columns = stmt.parent.outputColumnList.map(c => ({ name: c.name, type: withoutNulls(c.column.type) }));
      // The next views read this one: add its columns to the catalog.
      tables.push({ name, column: columns });
      console.log(`ok   ${file}: ${name} (${columns.length} columns)`);
    } catch (e) {
      const message = e.details || e.message;
      const missing = failedViews.find(v => message.includes(`Table not found: \`${v}\``));
      failedViews.push(`${PROJECT}.${DATASET}.${file.replace(/^\d+_|\.sql$/g, '')}`);
      if (missing) skipped++; else failed++;
      console.log(missing ? `SKIP ${file}: reads ${missing}, which failed` : `FAIL ${file}: ${message}`);
    }
  }
  zeta.terminateServer();
  if (failed) {
    console.log(`googlesql-check: ${failed} of ${files.length} views rejected by the ZetaSQL analyzer` +
      (skipped ? `, ${skipped} not checked (they read a rejected one)` : ''));
    process.exit(1);
  }
  console.log(`googlesql-check: all ${files.length} views pass the ZetaSQL analyzer`);
  process.exit(0);
}

main().catch(e => { console.error(`googlesql-check: ${e.stack || e}`); try { zeta.terminateServer(); } catch (_) {} process.exit(2); });
