/**
 * A number as Intl.NumberFormat('en-US') writes it ("1,234,567"), for the summaries and the
 * progress line. An integer is grouped here: creating the first Intl.NumberFormat loads ICU's
 * data, ~18 ms, and five modules made one as they loaded, at every command's start. Anything
 * else (a fraction, beyond 2^53) still goes through Intl, made on first use.
 */
export function groupDigits(value: number): string {
  if (!Number.isSafeInteger(value) || Object.is(value, -0)) return (intl ??= new Intl.NumberFormat('en-US')).format(value);
  const digits = String(Math.abs(value));
  let grouped = digits.slice(0, ((digits.length - 1) % 3) + 1);
  for (let i = grouped.length; i < digits.length; i += 3) grouped += ',' + digits.slice(i, i + 3);
  return value < 0 ? '-' + grouped : grouped;
}

let intl: Intl.NumberFormat | undefined;
