import { describe, expect, it } from 'vitest';
import { barGlyphs, barLine, type ProgressWord } from '../../src/progress/bar-line.js';

/**
 * The bar's line on a narrow terminal (README: "On a narrow terminal the bar is left out and the
 * words stay"): the rate goes first, then the ETA; the percent, the count and the rejected count
 * stay, and only a line too narrow even for them is cut. And its characters: ASCII where the
 * locale is not UTF-8.
 */

const IMPORT: ProgressWord[] = [
  { kind: 'percent', text: '42%' },
  { kind: 'count', text: '126,000 records' },
  { kind: 'rate', text: '98,000 records/s' },
  { kind: 'rejected', text: '12 rejected' },
  { kind: 'time', text: 'ETA 2s' },
];
const STDIN: ProgressWord[] = [
  { kind: 'count', text: '126,000 records' },
  { kind: 'rate', text: '98,000 records/s' },
  { kind: 'rejected', text: '12 rejected' },
  { kind: 'time', text: '3s elapsed' },
];
const EXPORT: ProgressWord[] = [
  { kind: 'percent', text: '41%' },
  { kind: 'count', text: '5,000 of 12,000 rows' },
  { kind: 'rate', text: '9,876 rows/s' },
  { kind: 'time', text: 'ETA 1m05s' },
];

describe('barLine: what a narrow terminal keeps', () => {
  it('wide: the bar, then every word', () => {
    expect(barLine(IMPORT, 0.42, 100)).toBe(`${'█'.repeat(13)}${'░'.repeat(17)} 42% | 126,000 records | 98,000 records/s | 12 rejected | ETA 2s`);
  });

  it('too narrow for the bar: every word, no bar', () => {
    expect(barLine(IMPORT, 0.42, 70)).toBe('42% | 126,000 records | 98,000 records/s | 12 rejected | ETA 2s');
  });

  it('narrower: the rate goes first, the rejected count and the ETA stay', () => {
    // 62 columns of words; 60 columns leave 59: without the rate they are 43.
    expect(barLine(IMPORT, 0.42, 60)).toBe('42% | 126,000 records | 12 rejected | ETA 2s');
    expect(barLine(STDIN, undefined, 45)).toBe('126,000 records | 12 rejected | 3s elapsed');
    expect(barLine(EXPORT, 0.41, 50)).toBe('41% | 5,000 of 12,000 rows | ETA 1m05s');
  });

  it('narrower still: then the ETA; the percent, the records and the rejected count stay', () => {
    expect(barLine(IMPORT, 0.42, 40)).toBe('42% | 126,000 records | 12 rejected');
    expect(barLine(STDIN, undefined, 40)).toBe('126,000 records | 12 rejected');
    expect(barLine(EXPORT, 0.41, 30)).toBe('41% | 5,000 of 12,000 rows');
  });

  it('too narrow even for those: only then is the line cut', () => {
    expect(barLine(IMPORT, 0.42, 30)).toBe('42% | 126,000 records | 12 re');
    // Never narrower than 20 columns of text, whatever the terminal says.
    expect(barLine(IMPORT, 0.42, 5)).toBe('42% | 126,000 record');
  });
});

describe('barGlyphs: the bar in ASCII where the locale is not UTF-8', () => {
  it('UTF-8 locales (any spelling), and no locale at all: block elements', () => {
    for (const env of [{ LANG: 'en_US.UTF-8' }, { LANG: 'C.UTF-8' }, { LC_CTYPE: 'de_DE.utf8' }, { LC_ALL: 'ja_JP.UTF-8', LANG: 'C' }, {}, { LANG: '' }]) {
      expect(barGlyphs(env), JSON.stringify(env)).toEqual({ done: '█', left: '░' });
    }
  });

  it('C, POSIX or another character set, as LC_ALL, else LC_CTYPE, else LANG says: # and -', () => {
    for (const env of [{ LANG: 'C' }, { LANG: 'POSIX' }, { LC_ALL: 'C' }, { LC_ALL: 'C', LANG: 'en_US.UTF-8' }, { LC_CTYPE: 'C', LANG: 'en_US.UTF-8' }, { LANG: 'en_US.ISO-8859-1' }]) {
      expect(barGlyphs(env), JSON.stringify(env)).toEqual({ done: '#', left: '-' });
    }
  });

  it('the line drawn with them', () => {
    expect(barLine(IMPORT, 0.5, 100, barGlyphs({ LANG: 'C' }))).toBe(`${'#'.repeat(15)}${'-'.repeat(15)} 42% | 126,000 records | 98,000 records/s | 12 rejected | ETA 2s`);
  });
});
