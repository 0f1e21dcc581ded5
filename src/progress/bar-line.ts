/**
 * The bar's line on a terminal (progress-display.ts draws it): fitted to the terminal's width,
 * in characters the terminal's locale can show.
 */

const BAR_WIDTH = 30;
const MIN_BAR_WIDTH = 10;
/** The length of "100% | 300,000 records | 410,959 records/s | 0 rejected | ETA 1m05s". */
const TYPICAL_TEXT = 66;

/** One part of the progress text: the percent, the count, the rate, the rejected count, the ETA (or time so far). */
export interface ProgressWord {
  kind: 'percent' | 'count' | 'rate' | 'rejected' | 'time';
  text: string;
}

/**
 * What a narrow line leaves out, in order: the rate first, then the ETA. The percent, the count
 * and the rejected count stay (the README: "the bar is left out and the words stay"); a line too
 * narrow even for them is cut at its end.
 */
const LEFT_OUT_FIRST: ReadonlyArray<ProgressWord['kind']> = ['rate', 'time'];

/** The bar's characters: block elements, or ASCII where the terminal's locale is not UTF-8. */
export interface BarGlyphs {
  done: string;
  left: string;
}

const UNICODE_GLYPHS: BarGlyphs = { done: '█', left: '░' };
const ASCII_GLYPHS: BarGlyphs = { done: '#', left: '-' };

/**
 * The locale's character set as the C library picks it (LC_ALL, else LC_CTYPE, else LANG):
 * UTF-8 unless it names another. Under LANG=C (or POSIX, or en_US.ISO-8859-1) a terminal shows
 * '█' as mojibake or '?'. With none of them set the block elements stay: the terminals of
 * today are UTF-8, and a locale-less environment (a container, a minimal ssh session) is most
 * often one of them with the variables not passed on.
 */
export function barGlyphs(env: NodeJS.ProcessEnv): BarGlyphs {
  const locale = env.LC_ALL || env.LC_CTYPE || env.LANG;
  if (!locale) return UNICODE_GLYPHS;
  return /utf-?8/i.test(locale) ? UNICODE_GLYPHS : ASCII_GLYPHS;
}

/**
 * The progress line for a terminal `width` columns wide: "██████░░░░ 42% | 126,000 records |
 * 98,000 records/s | 0 rejected | ETA 2s". The bar takes the room the words usually leave, up
 * to BAR_WIDTH, and keeps its width from one redraw to the next; when the words grow into its
 * room, it is left out; narrower still, the words least needed (LEFT_OUT_FIRST) go, and only
 * then is the line cut.
 */
export function barLine(words: ProgressWord[], fraction: number | undefined, width: number, glyphs: BarGlyphs = UNICODE_GLYPHS): string {
  const room = Math.max(20, (width || 80) - 1);
  const text = words.map((word) => word.text).join(' | ');
  const barWidth = Math.min(BAR_WIDTH, room - TYPICAL_TEXT - 1);
  if (fraction !== undefined && barWidth >= MIN_BAR_WIDTH && barWidth + 1 + text.length <= room) {
    const done = Math.round(fraction * barWidth);
    return `${glyphs.done.repeat(done)}${glyphs.left.repeat(barWidth - done)} ${text}`;
  }
  let kept = words;
  for (const kind of LEFT_OUT_FIRST) {
    if (kept.map((word) => word.text).join(' | ').length <= room) break;
    kept = kept.filter((word) => word.kind !== kind);
  }
  const fitted = kept.map((word) => word.text).join(' | ');
  return fitted.length <= room ? fitted : fitted.slice(0, room);
}

