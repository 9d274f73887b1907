/**
 * `kommun.matvarden.v1` as CSV (`text/csv`): a header row naming the columns, one
 * measurement per row. RFC 4180 quoting; `,` or `;` as separator (`;` as Swedish
 * spreadsheets write it, with decimal commas). The document's `sourceSystem` (and
 * optional `documentId`) come as parameters (`?sourceSystem=…`), not in the file.
 *
 * | Column | Field |
 * | --- | --- |
 * | `id` | `measurements[i].id` |
 * | `personId` | `patient.personId` |
 * | `time` | `time`: ISO 8601 with offset, or `YYYY-MM-DD HH:MM[:SS]` in Swedish local time |
 * | `type`, `value`, `systolic`, `diastolic`, `unit`, `comment` | the same |
 * | `measuredBy` | `measuredBy.by` (`staff`, `patient`; empty: `staff` when `unitHsaId` is given) |
 * | `unitHsaId`, `unitName`, `unitKind` | `measuredBy.unit` |
 * | `professionalHsaId`, `professionalName` | `measuredBy.professional` |
 */
import { OperationOutcomeError, invalid } from '../../functions/core/outcomes.ts';
import type { ReadDocument } from '../common/format.ts';
import { stockholmDateTime } from '../common/time.ts';

const COLUMNS = [
  'id',
  'personId',
  'time',
  'type',
  'value',
  'systolic',
  'diastolic',
  'unit',
  'measuredBy',
  'unitHsaId',
  'unitName',
  'unitKind',
  'professionalHsaId',
  'professionalName',
  'comment',
] as const;
type Column = (typeof COLUMNS)[number];

/** Document field (below `measurements[i].`) → column. */
const COLUMN_OF: [string, Column][] = [
  ['patient.personId', 'personId'],
  ['patient', 'personId'],
  ['measuredBy.unit.hsaId', 'unitHsaId'],
  ['measuredBy.unit.name', 'unitName'],
  ['measuredBy.unit.kind', 'unitKind'],
  ['measuredBy.unit', 'unitHsaId'],
  ['measuredBy.professional.hsaId', 'professionalHsaId'],
  ['measuredBy.professional.name', 'professionalName'],
  ['measuredBy.professional', 'professionalHsaId'],
  ['measuredBy', 'measuredBy'],
  ...COLUMNS.map((c): [string, Column] => [c, c]),
];

function fail(text: string, expression: string): never {
  throw new OperationOutcomeError(invalid([{ severity: 'error', code: 'structure', details: { text }, expression: [expression] }]));
}

/** Rows of cells, with the line each row starts on. */
export function parseCsv(text: string): { rows: string[][]; lines: number[]; delimiter: string } {
  const body = text.replace(/^\uFEFF/, '');
  const firstLine = body.split(/\r?\n/, 1)[0] ?? '';
  const delimiter = firstLine.includes(';') && !firstLine.includes(',') ? ';' : ',';
  const rows: string[][] = [];
  const lines: number[] = [];
  let row: string[] = [];
  let cell = '';
  let quoted = false;
  let line = 1;
  let rowLine = 1;
  for (let i = 0; i < body.length; i++) {
    const ch = body[i] as string;
    if (quoted) {
      if (ch === '"' && body[i + 1] === '"') {
        cell += '"';
        i++;
      } else if (ch === '"') quoted = false;
      else {
        if (ch === '\n') line++;
        cell += ch;
      }
    } else if (ch === '"' && cell === '') quoted = true;
    else if (ch === delimiter) {
      row.push(cell);
      cell = '';
    } else if (ch === '\n' || ch === '\r') {
      if (ch === '\r' && body[i + 1] === '\n') i++;
      row.push(cell);
      if (row.some((c) => c.trim() !== '')) {
        rows.push(row);
        lines.push(rowLine);
      }
      row = [];
      cell = '';
      line++;
      rowLine = line;
    } else cell += ch;
  }
  if (quoted) fail(`CSV line ${rowLine}: a quoted cell is not closed`, 'measurements');
  row.push(cell);
  if (row.some((c) => c.trim() !== '')) {
    rows.push(row);
    lines.push(rowLine);
  }
  return { rows, lines, delimiter };
}

function number(raw: string): number | string {
  const normalized = raw.trim().replace(/^(-?\d+),(\d+)$/, '$1.$2');
  return /^-?\d+(\.\d+)?$/.test(normalized) ? Number(normalized) : raw;
}

/** `2026-11-22 08:00` (Swedish local time) → ISO with offset; anything else as given, for the schema to judge. */
function time(raw: string): string {
  const match = /^(\d{4})-(\d{2})-(\d{2})[ T](\d{2}):(\d{2})(?::(\d{2}))?$/.exec(raw.trim());
  if (!match) return raw.trim();
  const [y, mo, d, h, mi, s] = match.slice(1).map((part) => Number(part ?? 0)) as [number, number, number, number, number, number];
  return stockholmDateTime(y, mo, d, h, mi, s) ?? raw.trim();
}

export function readMatvardenCsv(text: string, params: Record<string, string>): ReadDocument {
  const { rows, lines } = parseCsv(text);
  const [header, ...data] = rows;
  if (!header) fail('The CSV is empty: it needs a header row and at least one measurement', 'measurements');
  const columns = header.map((h) => h.trim());
  const unknown = columns.filter((c) => !(COLUMNS as readonly string[]).includes(c));
  if (unknown.length > 0) {
    fail(`CSV line 1: unknown column${unknown.length > 1 ? 's' : ''} ${unknown.join(', ')}; the columns are ${COLUMNS.join(', ')}`, 'header');
  }
  const measurements = data.map((cells, i) => {
    if (cells.length > columns.length) fail(`CSV line ${lines[i + 1]}: ${cells.length} cells, the header has ${columns.length}`, `measurements[${i}]`);
    const cell = (c: Column): string | undefined => {
      const v = cells[columns.indexOf(c)]?.trim();
      return columns.includes(c) && v !== undefined && v !== '' ? v : undefined;
    };
    const m: Record<string, unknown> = {};
    const set = (key: string, value: unknown) => {
      if (value !== undefined) m[key] = value;
    };
    set('id', cell('id'));
    set('patient', cell('personId') !== undefined ? { personId: cell('personId') } : undefined);
    set('time', cell('time') !== undefined ? time(cell('time') as string) : undefined);
    set('type', cell('type'));
    for (const c of ['value', 'systolic', 'diastolic'] as const) set(c, cell(c) !== undefined ? number(cell(c) as string) : undefined);
    set('unit', cell('unit'));
    set('comment', cell('comment'));
    const by = cell('measuredBy') ?? (cell('unitHsaId') ? 'staff' : undefined);
    if (by === 'staff') {
      const unit: Record<string, unknown> = {};
      if (cell('unitHsaId')) unit.hsaId = cell('unitHsaId');
      if (cell('unitName')) unit.name = cell('unitName');
      if (cell('unitKind')) unit.kind = cell('unitKind');
      const by: Record<string, unknown> = { by: 'staff', unit };
      if (cell('professionalHsaId') || cell('professionalName')) {
        by.professional = { ...(cell('professionalHsaId') ? { hsaId: cell('professionalHsaId') } : {}), ...(cell('professionalName') ? { name: cell('professionalName') } : {}) };
      }
      m.measuredBy = by;
    } else if (by !== undefined) m.measuredBy = { by };
    return m;
  });
  const value: Record<string, unknown> = { measurements };
  if (params.sourceSystem !== undefined) value.sourceSystem = params.sourceSystem;
  if (params.documentId !== undefined) value.documentId = params.documentId;
  return {
    value,
    describe(path) {
      if (path === 'sourceSystem' || path === 'documentId') return `the query parameter ${path}`;
      const match = /^measurements\[(\d+)\](?:\.(.*))?$/.exec(path);
      if (!match) return undefined;
      const line = lines[Number(match[1]) + 1];
      const field = match[2];
      const column = field === undefined ? undefined : COLUMN_OF.find(([f]) => field === f || field.startsWith(`${f}.`))?.[1];
      return `CSV line ${line}${column ? `, column ${column}` : ''}`;
    },
  };
}
