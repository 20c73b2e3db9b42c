import sanitizeHtml from 'sanitize-html';

/**
 * Email HTML made safe to show (issue 13 §3): what a mail client renders (text formatting,
 * tables, images, links), nothing that runs (scripts, event handlers, forms, frames, CSS that
 * can cover the page or fetch). Done once, where mail enters the hub; the web app still shows
 * the result in a sandboxed frame. Remote images are kept as `data-src` so a message cannot
 * tell its sender that it was opened until the reader asks for images.
 */

const allowedTags = [
  ...sanitizeHtml.defaults.allowedTags,
  'img',
  'font',
  'center',
  'span',
  'div',
  'table',
  'thead',
  'tbody',
  'tfoot',
  'tr',
  'td',
  'th',
  'col',
  'colgroup',
];

const cssValue = [/^[-#%.,()\w\s'"!]*$/];
const allowedStyleProperties = [
  'color',
  'background-color',
  'font-family',
  'font-size',
  'font-weight',
  'font-style',
  'text-align',
  'text-decoration',
  'line-height',
  'margin',
  'margin-top',
  'margin-bottom',
  'margin-left',
  'margin-right',
  'padding',
  'padding-top',
  'padding-bottom',
  'padding-left',
  'padding-right',
  'border',
  'border-collapse',
  'width',
  'max-width',
  'height',
  'vertical-align',
  'white-space',
];

const options: sanitizeHtml.IOptions = {
  allowedTags,
  disallowedTagsMode: 'discard',
  allowedAttributes: {
    '*': ['style', 'align', 'valign', 'width', 'height', 'dir', 'lang', 'title'],
    a: ['href', 'name', 'target', 'rel'],
    img: ['src', 'alt', 'data-src'],
    font: ['color', 'face', 'size'],
    td: ['colspan', 'rowspan', 'bgcolor'],
    th: ['colspan', 'rowspan', 'bgcolor'],
    table: ['cellpadding', 'cellspacing', 'border', 'bgcolor'],
  },
  allowedStyles: { '*': Object.fromEntries(allowedStyleProperties.map((property) => [property, cssValue])) },
  allowedSchemes: ['http', 'https', 'mailto', 'tel', 'cid'],
  allowedSchemesByTag: { img: ['https', 'http', 'cid', 'data'] },
  allowProtocolRelative: false,
  transformTags: {
    a: (tagName, attribs) => ({
      tagName,
      attribs: { ...attribs, target: '_blank', rel: 'noopener noreferrer nofollow' },
    }),
    img: (tagName, attribs) => {
      const src = attribs.src ?? '';
      if (/^https?:/i.test(src)) {
        const { src: _remote, ...rest } = attribs;
        return { tagName, attribs: { ...rest, 'data-src': src } };
      }
      if (/^data:/i.test(src) && !/^data:image\/(png|gif|jpe?g|webp);base64,/i.test(src)) {
        const { src: _script, ...rest } = attribs;
        return { tagName, attribs: rest };
      }
      return { tagName, attribs };
    },
  },
};

/** Email HTML without anything that runs or phones home (remote images wait in data-src). */
export function sanitizeEmailHtml(html: string): string {
  return sanitizeHtml(html, options);
}

const blockEnd = /<\/(p|div|h[1-6]|li|tr|table|blockquote|pre)>|<br\s*\/?>/gi;

/** The readable text of an HTML body, for search and previews: line breaks kept, entities decoded. */
export function textOfHtml(html: string): string {
  const marked = html.replace(blockEnd, (tag) => `${tag}\n`);
  const text = sanitizeHtml(marked, {
    allowedTags: [],
    allowedAttributes: {},
    nonTextTags: ['style', 'script', 'head', 'title', 'textarea', 'noscript'],
  });
  return decodeEntities(text)
    .replace(/\u00a0/g, ' ')
    .replace(/[ \t]+\n/g, '\n')
    .replace(/\n{3,}/g, '\n\n')
    .trim();
}

const named: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'", nbsp: ' ' };

function decodeEntities(text: string): string {
  return text.replace(/&(#x[0-9a-f]+|#\d+|[a-z]+);/gi, (entity, code: string) => {
    if (code[0] === '#') {
      const point = code[1] === 'x' || code[1] === 'X' ? parseInt(code.slice(2), 16) : parseInt(code.slice(1), 10);
      return Number.isFinite(point) && point > 0 && point <= 0x10ffff && point !== 0 ? String.fromCodePoint(point) : '';
    }
    return named[code.toLowerCase()] ?? entity;
  });
}
