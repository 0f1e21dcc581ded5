import { describe, expect, it } from 'vitest';
import { cutText } from '../../src/cut-text.js';
import { compileValidator, parseSchemaSpec } from '../../src/schema/index.js';
import { showValue } from '../../src/schema/issue-messages.js';
import { nameProblem } from '../../src/schema/names.js';

/** From the text audit: what a string is in each place barge handles one. */

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

describe('values cut for a message', () => {
  it('are never cut between the halves of a surrogate pair (a lone high surrogate broke jq on --json and the report)', () => {
    expect(cutText('ab😀', 3)).toBe('ab');
    expect(cutText('ab😀', 4)).toBe('ab😀');
    for (let pad = 50; pad < 62; pad++) {
      const value = 'a'.repeat(pad) + '😀'.repeat(5);
      for (const shown of [showValue(value), showValue({ k: value })]) {
        expect(LONE_SURROGATE.test(shown), `${pad}: ${shown}`).toBe(false);
        expect(() => JSON.parse(JSON.stringify(shown))).not.toThrow();
      }
    }
    expect(showValue('a'.repeat(59) + '😀x')).toBe(JSON.stringify('a'.repeat(59) + '…'));
  });
});

describe('names', () => {
  it('are measured in characters (code points), as the message says and maxLength counts: 79 with emoji among them were "longer than 128 characters (139)"', () => {
    const name = '日'.repeat(19) + '😀'.repeat(60);
    expect(name.length).toBe(139);
    expect(nameProblem(name, 'column')).toBeUndefined();
    const long = '😀'.repeat(129);
    expect(nameProblem(long, 'column')).toBe(`column name ${JSON.stringify('😀'.repeat(10) + '…')} is longer than 128 characters (129)`);
  });

  it('a header that differs from the schema\'s column only in Unicode normalization or an invisible character is named as a near miss, not "set extraColumns: ignore" (which loaded NULL)', () => {
    const validator = compileValidator(parseSchemaSpec({ table: 't', columns: { 'café': { type: 'string' } } }, 's.json'));
    const nfd = 'cafe\u0301';
    const result = validator.validate({ [nfd]: 'x' }, true);
    expect(result.ok).toBe(false);
    expect(!result.ok && result.errors[0]!.message).toBe(`unexpected column "${nfd}" (the schema's column is "café": names must match exactly, case and spaces too, and the characters written the same way (Unicode NFC or NFD, no invisible characters); rename it (--columns))`);
    const zeroWidth = validator.validate({ 'caf\u200bé': 'x' }, true);
    expect(!zeroWidth.ok && zeroWidth.errors[0]!.message).toBe('unexpected column "caf\\u200bé" (the schema\'s column is "café": names must match exactly, case and spaces too, and the characters written the same way (Unicode NFC or NFD, no invisible characters); rename it (--columns))');
    // Case alone keeps its message.
    const upper = validator.validate({ 'CAFé': 'x' }, true);
    expect(!upper.ok && upper.errors[0]!.message).toBe('unexpected column "CAFé" (the schema\'s column is "café": names must match exactly, case and spaces too; rename it (--columns))');
  });
});

describe('a pattern', () => {
  it('with Unicode syntax that is valid only without the u flag is a schema error (read without it, \\p{L} was the text "p{L}")', () => {
    expect(() => parseSchemaSpec({ table: 't', columns: { c: { type: 'string', pattern: '^\\p{L}+\\-\\d+$' } } }, 's.json')).toThrow(
      'columns.c.pattern: uses Unicode syntax (\\p{…} or \\u{…}) but is not valid with Unicode semantics (Invalid escape), and without them it would match other text: escape only what Unicode patterns allow (write - without a backslash outside [ ])',
    );
    // Without Unicode syntax, a pattern valid only without u keeps its reading (\- is a hyphen).
    const validator = compileValidator(parseSchemaSpec({ table: 't', columns: { c: { type: 'string', pattern: '^[a-z]+\\-\\d+$' } } }, 's.json'));
    expect(validator.validate({ c: 'ab-12' }, true).ok).toBe(true);
    const unicode = compileValidator(parseSchemaSpec({ table: 't', columns: { c: { type: 'string', pattern: '^\\p{L}+-\\d+$' } } }, 's.json'));
    expect(unicode.validate({ c: 'Éé-3' }, true).ok).toBe(true);
    expect(unicode.validate({ c: 'p{L}}-5' }, true).ok).toBe(false);
  });
});
