import { XMLBuilder, XMLParser, XMLValidator } from 'fast-xml-parser';

/**
 * WebDAV XML in and out (ADR 0024): fast-xml-parser reads request bodies, which are then
 * resolved to (namespace, local name) pairs, since DAV: and the CardDAV/CalDAV namespaces
 * are told apart by namespace, not by prefix. A body with a DOCTYPE is refused before it
 * reaches the parser: no DAV client sends one, and it is how entity-expansion attacks arrive.
 */

export const ns = {
  dav: 'DAV:',
  card: 'urn:ietf:params:xml:ns:carddav',
  cal: 'urn:ietf:params:xml:ns:caldav',
  cs: 'http://calendarserver.org/ns/',
  apple: 'http://apple.com/ns/ical/',
} as const;

const prefixOf: Record<string, string> = {
  [ns.dav]: 'd',
  [ns.card]: 'card',
  [ns.cal]: 'cal',
  [ns.cs]: 'cs',
  [ns.apple]: 'ical',
};

export interface XmlElement {
  ns: string;
  name: string;
  attrs: Record<string, string>;
  children: XmlElement[];
  text: string;
}

export class XmlError extends Error {}

/** Most elements any DAV request body of ours needs; more is refused (a multiget of 5,000 hrefs is fine). */
const maxElements = 50_000;
/** DAV bodies are a few levels deep (calendar-query filters the deepest, about 8). */
const maxDepth = 64;

type OrderedNode = Record<string, unknown> & { ':@'?: Record<string, string> };

/** Parses and namespace-resolves a request body; throws XmlError on anything malformed or hostile. */
export function parseXml(body: string): XmlElement {
  if (/<!DOCTYPE|<!ENTITY/i.test(body)) throw new XmlError('DOCTYPE and ENTITY declarations are not accepted.');
  const valid = XMLValidator.validate(body);
  if (valid !== true) throw new XmlError(`Not well-formed XML: ${valid.err.msg} (line ${valid.err.line}).`);
  const parser = new XMLParser({
    preserveOrder: true,
    ignoreAttributes: false,
    attributeNamePrefix: '',
    parseTagValue: false,
    parseAttributeValue: false,
    trimValues: true,
    processEntities: true,
    htmlEntities: false,
    ignoreDeclaration: true,
    ignorePiTags: true,
  });
  let nodes: OrderedNode[];
  try {
    nodes = parser.parse(body) as OrderedNode[];
  } catch (error) {
    // The validator passed, so what the parser refuses is its own limits (nesting, entities).
    throw new XmlError(`The XML was refused: ${(error as Error).message}.`);
  }
  let count = 0;
  const resolve = (node: OrderedNode, scope: Record<string, string>, depth = 0): XmlElement | null => {
    if (depth > maxDepth) throw new XmlError(`XML nested deeper than ${maxDepth} levels.`);
    const tag = Object.keys(node).find((k) => k !== ':@');
    if (tag === undefined || tag === '#text' || tag === '#comment' || tag.startsWith('?')) return null;
    count += 1;
    if (count > maxElements) throw new XmlError(`More than ${maxElements} XML elements.`);
    const attrs = node[':@'] ?? {};
    const inner = { ...scope };
    const own: Record<string, string> = {};
    for (const [key, value] of Object.entries(attrs)) {
      if (key === 'xmlns') inner[''] = value;
      else if (key.startsWith('xmlns:')) inner[key.slice(6)] = value;
      else own[key] = value;
    }
    const colon = tag.indexOf(':');
    const prefix = colon > 0 ? tag.slice(0, colon) : '';
    const name = colon > 0 ? tag.slice(colon + 1) : tag;
    const uri = inner[prefix];
    if (uri === undefined && prefix !== '') throw new XmlError(`Undeclared namespace prefix "${prefix}".`);
    const children: XmlElement[] = [];
    let text = '';
    for (const child of (node[tag] as OrderedNode[]) ?? []) {
      if ('#text' in child) text += String(child['#text']);
      else {
        const element = resolve(child, inner, depth + 1);
        if (element) children.push(element);
      }
    }
    return { ns: uri ?? '', name, attrs: own, children, text };
  };
  const roots = nodes.map((n) => resolve(n, {})).filter((e): e is XmlElement => e !== null);
  if (roots.length !== 1) throw new XmlError('Expected one root element.');
  return roots[0]!;
}

export const is = (element: XmlElement | undefined, namespace: string, name: string) =>
  element !== undefined && element.ns === namespace && element.name === name;

export const child = (element: XmlElement | undefined, namespace: string, name: string) =>
  element?.children.find((c) => is(c, namespace, name));

export const childrenOf = (element: XmlElement | undefined, namespace: string, name: string) =>
  element?.children.filter((c) => is(c, namespace, name)) ?? [];

/** An element to write: its namespace and name, attributes, and either children or text. */
export interface Out {
  ns: string;
  name: string;
  attrs?: Record<string, string>;
  children?: Out[];
  text?: string;
}

export const el = (namespace: string, name: string, content?: Out[] | string, attrs?: Record<string, string>): Out => ({
  ns: namespace,
  name,
  ...(attrs ? { attrs } : {}),
  ...(typeof content === 'string' ? { text: content } : content ? { children: content } : {}),
});

const builder = new XMLBuilder({
  preserveOrder: true,
  ignoreAttributes: false,
  attributeNamePrefix: '@_',
  suppressEmptyNode: true,
  format: false,
  processEntities: true,
});

/** Serialises a response document; namespaces outside the known five get x0, x1 ... prefixes on the root. */
export function renderXml(root: Out): string {
  const extra = new Map<string, string>();
  const prefix = (uri: string) => {
    const known = prefixOf[uri];
    if (known) return known;
    let p = extra.get(uri);
    if (p === undefined) {
      p = `x${extra.size}`;
      extra.set(uri, p);
    }
    return p;
  };
  const convert = (out: Out): OrderedNode => {
    const tag = out.ns === '' ? out.name : `${prefix(out.ns)}:${out.name}`;
    const content: OrderedNode[] = out.text !== undefined ? [{ '#text': out.text }] : (out.children ?? []).map(convert);
    const node: OrderedNode = { [tag]: content };
    if (out.attrs) node[':@'] = Object.fromEntries(Object.entries(out.attrs).map(([k, v]) => [`@_${k}`, v]));
    return node;
  };
  const converted = convert(root);
  const declarations: Record<string, string> = {};
  for (const [uri, p] of Object.entries(prefixOf)) declarations[`@_xmlns:${p}`] = uri;
  for (const [uri, p] of extra) declarations[`@_xmlns:${p}`] = uri;
  converted[':@'] = { ...declarations, ...(converted[':@'] ?? {}) };
  return `<?xml version="1.0" encoding="utf-8"?>\n${builder.build([converted]) as string}`;
}
