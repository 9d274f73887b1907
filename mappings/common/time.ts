/**
 * Swedish local time (Europe/Stockholm: CET, CEST in summer) to a FHIR dateTime with its
 * offset. RIV-TA times (`YYYYMMDDhhmmss`) and CSV exports carry no zone; by RIV-TA's rule
 * and by custom they are Swedish local time.
 */

/**
 * Made on first use, not at module load: building it sets up ICU's time zone data
 * (about 11 ms), which a cold start that ingests no document should not pay.
 */
let offsetFormat: Intl.DateTimeFormat | undefined;

/** Minutes east of UTC in Stockholm at an instant. */
function offsetMinutes(epochMs: number): number {
  offsetFormat ??= new Intl.DateTimeFormat('en-US', { timeZone: 'Europe/Stockholm', timeZoneName: 'longOffset' });
  const name = offsetFormat.formatToParts(new Date(epochMs)).find((p) => p.type === 'timeZoneName')?.value ?? 'GMT';
  const match = /GMT([+-])(\d{2}):(\d{2})/.exec(name);
  if (!match) return 0;
  const minutes = Number(match[2]) * 60 + Number(match[3]);
  return match[1] === '-' ? -minutes : minutes;
}

const pad = (n: number, width = 2) => String(n).padStart(width, '0');

/**
 * `2026-11-22T08:00:00+01:00` for 08:00 on 22 November in Stockholm; undefined when the
 * parts are not a real date and time. A time skipped by the spring change is read with
 * the offset before it.
 */
export function stockholmDateTime(year: number, month: number, day: number, hour = 0, minute = 0, second = 0): string | undefined {
  const asUtc = Date.UTC(year, month - 1, day, hour, minute, second);
  const check = new Date(asUtc);
  if (
    check.getUTCFullYear() !== year ||
    check.getUTCMonth() !== month - 1 ||
    check.getUTCDate() !== day ||
    check.getUTCHours() !== hour ||
    check.getUTCMinutes() !== minute ||
    check.getUTCSeconds() !== second
  ) {
    return undefined;
  }
  let offset = offsetMinutes(asUtc - offsetMinutes(asUtc) * 60_000);
  if (offsetMinutes(asUtc - offset * 60_000) !== offset) offset = offsetMinutes(asUtc - offset * 60_000);
  const sign = offset < 0 ? '-' : '+';
  const abs = Math.abs(offset);
  return `${pad(year, 4)}-${pad(month)}-${pad(day)}T${pad(hour)}:${pad(minute)}:${pad(second)}${sign}${pad(Math.floor(abs / 60))}:${pad(abs % 60)}`;
}
