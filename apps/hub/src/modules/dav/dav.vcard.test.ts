import { describe, expect, it } from 'vitest';
import { parseVCard, parseVCardDate, renderVCard, VCardError } from './dav.vcard.ts';

const card = (...lines: string[]) => ['BEGIN:VCARD', ...lines, 'END:VCARD', ''].join('\r\n');

describe('vCard ⇄ person', () => {
  it('reads a vCard 3.0 from iOS: names, organisation, labelled phone, year-less birthday, address', () => {
    const parsed = parseVCard(
      card(
        'VERSION:3.0',
        'PRODID:-//Apple Inc.//iPhone OS 18.1//EN',
        'N:Lee;Ann;Marie;;',
        'FN:Ann Lee',
        'ORG:Acme\\, Inc.;Research;',
        'TITLE:Chemist',
        'EMAIL;type=INTERNET;type=HOME;type=pref:ann@example.test',
        'item1.TEL;type=pref:+1 (202) 555-0199',
        'item1.X-ABLabel:Boat',
        'TEL;type=CELL;type=VOICE:07700 900123',
        'item2.ADR;type=HOME;type=pref:;;1 High St;Oxford;;OX1 1AA;United Kingdom',
        'item2.X-ABADR:gb',
        'BDAY;X-APPLE-OMIT-YEAR=1604:1604-04-23',
        'NOTE:Met at the\\nconference',
        'CATEGORIES:Family,Climbing',
        'PHOTO;ENCODING=b;TYPE=JPEG:/9j/4AAQSkZJRg==',
        'UID:3D5A4C0F-1111-2222-3333-444455556666',
      ),
    );
    expect(parsed.uid).toBe('3D5A4C0F-1111-2222-3333-444455556666');
    expect(parsed.title).toBe('Ann Lee');
    expect(parsed.properties).toEqual({
      familyName: 'Lee',
      givenName: 'Ann',
      additionalName: 'Marie',
      organization: 'Acme, Inc.',
      department: 'Research',
      jobTitle: 'Chemist',
      emails: ['ann@example.test'],
      phones: ['+1 (202) 555-0199', '07700 900123'],
      addresses: [
        { label: 'Home', street: '1 High St', locality: 'Oxford', postalCode: 'OX1 1AA', country: 'United Kingdom' },
      ],
      birthday: '--04-23',
      notes: 'Met at the\nconference',
      groups: ['Family', 'Climbing'],
    });
    // Kept verbatim: the grouped lines (with their label) and what the hub does not map.
    expect(parsed.extra.split('\n')).toEqual([
      'item1.TEL;type=pref:+1 (202) 555-0199',
      'item1.X-ABLabel:Boat',
      'item2.ADR;type=HOME;type=pref:;;1 High St;Oxford;;OX1 1AA;United Kingdom',
      'item2.X-ABADR:gb',
      'PHOTO;ENCODING=b;TYPE=JPEG:/9j/4AAQSkZJRg==',
    ]);
    // Written back: each value once, labelled ones in their group, and it reads back the same.
    const again = renderVCard(
      { id: '0190a000-0000-7000-8000-000000000003', title: parsed.title, properties: parsed.properties },
      parsed,
      '3.0',
    );
    expect(again.match(/^(item\d+\.)?ADR[;:]/gm)).toHaveLength(1);
    expect(again.match(/555-0199/g)).toHaveLength(1);
    expect(again).toContain('item1.TEL;type=pref:+1 (202) 555-0199\r\nitem1.X-ABLabel:Boat\r\n');
    expect(parseVCard(again)).toEqual(parsed);
  });

  it('renders 3.0 and 4.0, writes kept lines back, and drops a labelled phone the hub no longer has', () => {
    const parsed = parseVCard(
      card('VERSION:4.0', 'UID:u-1', 'FN:Bo', 'item1.TEL:+44 1', 'item1.X-ABLabel:Boat', 'TEL:+44 2', 'X-X:y'),
    );
    const person = {
      id: '0190a000-0000-7000-8000-000000000001',
      title: 'Bo',
      properties: { ...parsed.properties, birthday: '--02-29' },
    };
    const v4 = renderVCard(person, parsed, '4.0');
    expect(v4).toContain('VERSION:4.0\r\n');
    expect(v4).toContain('BDAY:--0229\r\n');
    expect(v4).toContain('item1.TEL:+44 1\r\nitem1.X-ABLabel:Boat\r\n');
    expect(v4).toContain('TEL;TYPE=voice:+44 2\r\n');
    expect(v4.match(/\+44 1/g)).toHaveLength(1);
    const v3 = renderVCard(person, parsed, '3.0');
    expect(v3).toContain('BDAY;X-APPLE-OMIT-YEAR=1604:1604-02-29\r\n');
    // The phone was removed in the web app: its labelled line and label go too.
    const without = renderVCard({ ...person, properties: { ...person.properties, phones: ['+44 2'] } }, parsed, '4.0');
    expect(without).not.toContain('X-ABLabel');
    expect(without).toContain('X-X:y');
    // And what is rendered parses back to the same fields.
    expect(parseVCard(v4).properties).toEqual(person.properties);
    expect(parseVCard(v3).properties).toEqual(person.properties);
  });

  it('renders a person made in the hub with a urn:uuid UID and escapes text', () => {
    const text = renderVCard(
      {
        id: '0190a000-0000-7000-8000-000000000002',
        title: 'A; B, C',
        properties: { notes: 'line1\nline2', anniversaries: [{ label: 'Wedding', date: '2010-06-01' }] },
      },
      null,
      '4.0',
    );
    expect(text).toContain('UID:urn:uuid:0190a000-0000-7000-8000-000000000002\r\n');
    expect(text).toContain('FN:A\\; B\\, C\r\n');
    expect(text).toContain('NOTE:line1\\nline2\r\n');
    expect(text).toContain('ANNIVERSARY:20100601\r\n');
  });

  it('refuses what is not one vCard 3.0/4.0 with a UID', () => {
    expect(() => parseVCard(card('VERSION:2.1', 'UID:x', 'FN:x'))).toThrow(VCardError);
    expect(() => parseVCard(card('VERSION:4.0', 'FN:x'))).toThrow(/no UID/);
    expect(() => parseVCard(card('VERSION:4.0', 'UID:a', 'FN:x') + card('VERSION:4.0', 'UID:b', 'FN:y'))).toThrow(
      /exactly one/,
    );
    expect(() => parseVCard('hello')).toThrow(VCardError);
  });

  it('reads the date forms phones write', () => {
    expect(parseVCardDate('19900423')).toBe('1990-04-23');
    expect(parseVCardDate('1990-04-23T00:00:00Z')).toBe('1990-04-23');
    expect(parseVCardDate('--0423')).toBe('--04-23');
    expect(parseVCardDate('1604-04-23', '1604')).toBe('--04-23');
    expect(parseVCardDate('April')).toBeUndefined();
  });
});
