// Reads a tasks file in the browser: CSV (RFC 4180, header row) or JSON Lines. Either the whole file is good and
// every task is returned, or the first bad row is reported with its line number and nothing is returned.
//
// CSV: column "id" (optional; default the line number), column "gold" (optional; empty for none), every other column
// goes into the task's data. JSON Lines: each non-empty line is {"id", "data": {...}, "gold"}, or a flat object read
// like a CSV row.

/** The limits the server checks (src/Earnest/Market/Campaigns.cs), checked here too so a file fails before upload. */
export const MAX_TASK_ID = 128;
export const MAX_TASK_DATA = 64 * 1024;

/** A bad file: the line at fault, a message code (strings.js "upload.error.<code>") and the values it names. */
export class TaskFileError extends Error {
  constructor(line, code, values = {}) {
    super(`line ${line}: ${code}`);
    this.line = line;
    this.code = code;
    this.values = values;
  }
}

/**
 * Parses a file's text against the campaign's labels.
 * Returns { format: 'csv' | 'jsonl', tasks: [{ id, data, gold, line }], gold: count }; throws TaskFileError.
 */
export function parseTasks(text, labels) {
  const body = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  if (body.trim() === '') throw new TaskFileError(1, 'empty');
  const jsonl = body.trimStart().startsWith('{');
  const rows = jsonl ? jsonLines(body) : csvRows(body);
  const tasks = [];
  const seen = new Map();
  const allowed = new Set(labels);
  for (const row of rows) {
    const id = row.id ?? String(row.line);
    if (id.length > MAX_TASK_ID) throw new TaskFileError(row.line, 'idTooLong', { max: MAX_TASK_ID });
    if (seen.has(id)) throw new TaskFileError(row.line, 'duplicateId', { id, first: seen.get(id) });
    seen.set(id, row.line);
    if (row.gold !== null && !allowed.has(row.gold)) {
      throw new TaskFileError(row.line, 'badGold', { gold: row.gold, labels: labels.join(', ') });
    }
    if (JSON.stringify(row.data).length > MAX_TASK_DATA) {
      throw new TaskFileError(row.line, 'dataTooLarge', { max: MAX_TASK_DATA });
    }
    tasks.push({ id, data: row.data, gold: row.gold, line: row.line });
  }
  if (tasks.length === 0) throw new TaskFileError(lineCount(body) + 1, 'noRows');
  return { format: jsonl ? 'jsonl' : 'csv', tasks, gold: tasks.filter((t) => t.gold !== null).length };
}

function lineCount(text) {
  const lines = text.split(/\r\n|\n|\r/);
  return lines.at(-1) === '' ? lines.length - 1 : lines.length;
}

/** CSV rows as { line, id, gold, data }: the header names the columns. */
function* csvRows(text) {
  let header = null;
  let idColumn = -1;
  let goldColumn = -1;
  for (const record of csvRecords(text)) {
    if (record.fields.length === 1 && record.fields[0].trim() === '') continue; // a blank line
    if (header === null) {
      header = record.fields.map((name) => name.trim());
      const seen = new Set();
      for (const name of header) {
        if (name === '') throw new TaskFileError(record.line, 'emptyColumn');
        if (seen.has(name.toLowerCase())) throw new TaskFileError(record.line, 'duplicateColumn', { name });
        seen.add(name.toLowerCase());
      }
      idColumn = header.findIndex((name) => name.toLowerCase() === 'id');
      goldColumn = header.findIndex((name) => name.toLowerCase() === 'gold');
      continue;
    }
    if (record.fields.length !== header.length) {
      throw new TaskFileError(record.line, 'fieldCount', { expected: header.length, found: record.fields.length });
    }
    const data = {};
    header.forEach((name, i) => {
      if (i !== idColumn && i !== goldColumn) data[name] = record.fields[i];
    });
    const id = idColumn >= 0 ? record.fields[idColumn].trim() : '';
    const gold = goldColumn >= 0 ? record.fields[goldColumn].trim() : '';
    yield { line: record.line, id: id === '' ? null : id, gold: gold === '' ? null : gold, data };
  }
}

/** RFC 4180 records as { line (where the record starts), fields }; CRLF, LF or CR end a record. */
function* csvRecords(text) {
  const n = text.length;
  let i = 0;
  let line = 1;
  while (i < n) {
    const start = line;
    const fields = [];
    for (;;) {
      let field;
      if (text[i] === '"') {
        const opened = line;
        field = '';
        i++;
        for (;;) {
          const quote = text.indexOf('"', i);
          if (quote < 0) throw new TaskFileError(opened, 'unterminatedQuote');
          const chunk = text.slice(i, quote);
          line += (chunk.match(/\r\n|\n|\r/g) ?? []).length;
          field += chunk.replace(/\r\n?/g, '\n');
          if (text[quote + 1] === '"') {
            field += '"';
            i = quote + 2;
          } else {
            i = quote + 1;
            break;
          }
        }
        if (i < n && text[i] !== ',' && text[i] !== '\n' && text[i] !== '\r') {
          throw new TaskFileError(line, 'afterQuote');
        }
      } else {
        let j = i;
        while (j < n && text[j] !== ',' && text[j] !== '\n' && text[j] !== '\r') j++;
        field = text.slice(i, j);
        i = j;
      }
      fields.push(field);
      if (i < n && text[i] === ',') {
        i++;
        continue;
      }
      if (text[i] === '\r') i++;
      if (text[i] === '\n') i++;
      line++;
      break;
    }
    yield { line: start, fields };
  }
}

/** JSON Lines rows as { line, id, gold, data }. */
function* jsonLines(text) {
  const lines = text.split(/\r\n|\n|\r/);
  for (let k = 0; k < lines.length; k++) {
    const line = k + 1;
    if (lines[k].trim() === '') continue;
    let value;
    try {
      value = JSON.parse(lines[k]);
    } catch {
      throw new TaskFileError(line, 'invalidJson');
    }
    if (!isObject(value)) throw new TaskFileError(line, 'notObject');
    let data;
    if ('data' in value) {
      if (!isObject(value.data)) throw new TaskFileError(line, 'dataNotObject');
      const extra = Object.keys(value).find((key) => key !== 'id' && key !== 'data' && key !== 'gold');
      if (extra !== undefined) throw new TaskFileError(line, 'unknownField', { field: extra });
      data = value.data;
    } else {
      data = Object.fromEntries(Object.entries(value).filter(([key]) => key !== 'id' && key !== 'gold'));
    }
    yield { line, id: idOf(value.id, line), gold: goldOf(value.gold), data };
  }
}

function isObject(value) {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

function idOf(id, line) {
  if (id === undefined || id === null || id === '') return null;
  if (typeof id === 'string') return id;
  if (typeof id === 'number' && Number.isFinite(id)) return String(id);
  throw new TaskFileError(line, 'badId');
}

function goldOf(gold) {
  if (gold === undefined || gold === null || gold === '') return null;
  return typeof gold === 'string' ? gold : JSON.stringify(gold); // a number or true may still name a label
}
