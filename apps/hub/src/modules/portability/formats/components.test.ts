import { describe, expect, it } from 'vitest';
import { componentLines, contentLine, parseComponents, parseKeptLines } from './components.ts';
import { fold, splitStructured } from './content-line.ts';
import { unfoldText } from './lines.ts';

const unfolded = (text: string) => unfoldText(text).map((l) => l.text);

describe('content lines (CardDAV / CalDAV bodies)', () => {
  it('unfolds continuation lines and folds long ones at 75 octets without splitting characters', () => {
    expect(unfolded('NOTE:abc\r\n def\r\n\tghi\r\nFN:x')).toEqual(['NOTE:abcdefghi', 'FN:x']);
    const long = `NOTE:${'é'.repeat(80)}`;
    const folded = fold(long);
    for (const part of folded.split('\r\n')) expect(Buffer.byteLength(part)).toBeLessThanOrEqual(75);
    expect(unfolded(folded)).toEqual([long]);
  });

  it('splits structured values on unescaped separators only', () => {
    expect(splitStructured('Lee\\;Jr;Ann;;;')).toEqual(['Lee;Jr', 'Ann', '', '', '']);
  });

  it('renders a line with its parameters, quoting values that need it and leaving out absent ones', () => {
    expect(
      contentLine('ATTENDEE', 'mailto:a@example.org', { CN: 'Lee, Ann', PARTSTAT: 'ACCEPTED', ROLE: undefined }),
    ).toBe('ATTENDEE;CN="Lee, Ann";PARTSTAT=ACCEPTED:mailto:a@example.org');
  });
});

describe('components', () => {
  it('nests BEGIN/END and keeps every property as received, group and unknown ones included', () => {
    const text = [
      'BEGIN:VCALENDAR',
      'X-WR-CALNAME:Home',
      'BEGIN:VEVENT',
      'UID:a',
      'X-CUSTOM;X-P="a:b":v\\,1',
      'BEGIN:VALARM',
      'TRIGGER:-PT15M',
      'END:VALARM',
      'END:VEVENT',
      'END:VCALENDAR',
    ].join('\r\n');
    const [calendar] = parseComponents(text);
    expect(calendar!.name).toBe('VCALENDAR');
    const event = calendar!.components[0]!;
    expect(event.properties.map((p) => p.raw)).toEqual(['UID:a', 'X-CUSTOM;X-P="a:b":v\\,1']);
    expect(event.properties[1]!.params['X-P']).toEqual(['a:b']);
    expect(componentLines(calendar!)).toEqual(text.split('\r\n'));
    const [card] = parseComponents('BEGIN:VCARD\r\nitem1.TEL:+1\r\nitem1.X-ABLabel:boat\r\nEND:VCARD');
    expect(card!.properties.map((p) => [p.group, p.name])).toEqual([
      ['item1', 'TEL'],
      ['item1', 'X-ABLABEL'],
    ]);
    expect(parseKeptLines('item1.TEL:+1\nNOTE:x').map((p) => p.raw)).toEqual(['item1.TEL:+1', 'NOTE:x']);
  });

  it('refuses unbalanced components and lines that are not content lines, naming the line', () => {
    expect(() => parseComponents('BEGIN:VCARD\r\nFN:x\r\n')).toThrow(/never closed/);
    expect(() => parseComponents('BEGIN:VCARD\r\n<html>\r\nEND:VCARD')).toThrow(
      /line 2: "<html>" is not a content line/,
    );
    expect(() => parseComponents('BEGIN:VCARD\r\nFN;CN="x:y\r\nEND:VCARD')).toThrow(/unterminated quoted parameter/);
    expect(() => parseComponents('BEGIN:VCARD\r\nFN\r\nEND:VCARD')).toThrow(/"FN" has no value/);
    expect(() => parseComponents('BEGIN:A\r\nEND:B')).toThrow(/does not close/);
    expect(() => parseComponents('FN:x')).toThrow(/outside BEGIN\/END/);
    expect(() => parseComponents('BEGIN:A\r\nX:1\r\nX:2\r\nEND:A', 3)).toThrow(/more than 3 lines/);
  });
});
