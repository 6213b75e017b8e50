// The little XML the S3 protocol needs: rendering responses (escaped text in
// nested elements, characters XML 1.0 cannot carry as character references,
// as S3 does; listings also take encoding-type=url) and parsing the two
// request documents clients send (Delete, CompleteMultipartUpload) into a
// plain element tree with fast-xml-parser. Anything that is not well-formed is
// MalformedXML.
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { S3Invalid } from '../../errors/index.js';

export const S3_NS = 'http://s3.amazonaws.com/doc/2006-03-01/';

export type XmlValue = string | number | boolean | XmlNode | XmlNode[] | undefined | null;
export interface XmlNode {
  [name: string]: XmlValue;
}

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' };

/**
 * Text as XML character data. Control characters (which XML 1.0 cannot hold
 * raw; a raw CR or TAB would not survive a parser either), U+FFFE/U+FFFF and
 * lone surrogates become character references, as S3 writes them; clients that
 * need strict XML 1.0 ask for encoding-type=url.
 */
export function escapeXml(s: string): string {
  return s.replace(/[&<>"']|[\u0000-\u001f\u007f\ufffe\uffff]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g, (c) => ESCAPES[c] ?? `&#x${c.charCodeAt(0).toString(16).toUpperCase()};`);
}

/** Renders `{Root: {A: 'x', B: [{C: 1}, {C: 2}]}}`: arrays repeat their element, undefined/null is left out. */
export function renderXml(root: string, body: XmlNode, namespace = true): string {
  return `<?xml version="1.0" encoding="UTF-8"?>\n<${root}${namespace ? ` xmlns="${S3_NS}"` : ''}>${renderChildren(body)}</${root}>`;
}

function renderChildren(node: XmlNode): string {
  let out = '';
  for (const [name, value] of Object.entries(node)) {
    if (value === undefined || value === null) continue;
    const items = Array.isArray(value) ? value : [value];
    for (const item of items) {
      if (typeof item === 'object') out += `<${name}>${renderChildren(item)}</${name}>`;
      else out += `<${name}>${escapeXml(String(item))}</${name}>`;
    }
  }
  return out;
}

export interface Element {
  name: string;
  children: Element[];
  text: string;
}

/** Request documents are a few elements deep (CompleteMultipartUpload: 3); deeper is not S3. */
export const MAX_XML_DEPTH = 32;

const parser = new XMLParser({
  preserveOrder: true,
  ignoreAttributes: true,
  removeNSPrefix: true,
  parseTagValue: false,
  trimValues: false, // keys may start or end with spaces
  processEntities: false, // decoded below: only XML's five and character references, never a DTD's
  htmlEntities: false,
  ignoreDeclaration: true,
  ignorePiTags: true,
  maxNestedTags: MAX_XML_DEPTH,
});

function malformed(why: string): S3Invalid {
  return new S3Invalid('MalformedXML', `the XML you provided was not well-formed or did not validate against our published schema (${why})`, { reason: why });
}

/**
 * Parses a request document into its root element with fast-xml-parser:
 * namespace prefixes are dropped from names, a DTD is refused (no entity can
 * expand), nesting deeper than MAX_XML_DEPTH is refused. Throws MalformedXML
 * naming the problem. Callers bound the size (they read at most a few MiB).
 */
export function parseXml(text: string): Element {
  if (/<!DOCTYPE/i.test(text)) throw malformed('a DTD (<!DOCTYPE>) is not accepted');
  const valid = XMLValidator.validate(text);
  if (valid !== true) throw malformed(`${valid.err.msg.replace(/\s+/g, ' ')} at line ${valid.err.line}, column ${valid.err.col}`);
  let doc: OrderedNode[];
  try {
    doc = parser.parse(text) as OrderedNode[];
  } catch (err) {
    const why = (err as Error).message;
    throw malformed(/nested tags/i.test(why) ? `elements nested deeper than ${MAX_XML_DEPTH} levels` : why);
  }
  const roots = doc.filter((n) => elementName(n) !== undefined);
  if (roots.length !== 1) throw malformed(roots.length === 0 ? 'no root element' : 'content after the root element');
  return toElement(roots[0]!);
}

/** fast-xml-parser's ordered form: `{ Name: [children…] }` for an element, `{ '#text': '…' }` for text. */
type OrderedNode = Record<string, unknown>;

function elementName(n: OrderedNode): string | undefined {
  return Object.keys(n).find((k) => k !== '#text' && k !== ':@');
}

function toElement(n: OrderedNode): Element {
  const name = elementName(n)!;
  const el: Element = { name, children: [], text: '' };
  for (const child of (n[name] as OrderedNode[] | undefined) ?? []) {
    if ('#text' in child) el.text += decodeEntities(String(child['#text']));
    else if (elementName(child) !== undefined) el.children.push(toElement(child));
  }
  return el;
}

function decodeEntities(s: string): string {
  return s.replace(/&(#x[0-9a-fA-F]{1,6}|#\d{1,7}|amp|lt|gt|quot|apos);/g, (all, name: string) => {
    if (name.startsWith('#')) {
      const cp = name.startsWith('#x') ? parseInt(name.slice(2), 16) : parseInt(name.slice(1), 10);
      if (cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) throw malformed(`"${all}" is not a character`);
      return String.fromCodePoint(cp);
    }
    return ({ amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" } as Record<string, string>)[name]!;
  });
}

/** The child elements called `name`. */
export function childrenNamed(el: Element, name: string): Element[] {
  return el.children.filter((c) => c.name === name);
}

export function childText(el: Element, name: string): string | undefined {
  return el.children.find((c) => c.name === name)?.text;
}
