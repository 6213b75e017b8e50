// The little XML the S3 protocol needs: rendering responses (escaped text in
// nested elements) and parsing the two request documents clients send
// (Delete, CompleteMultipartUpload) into a plain element tree. Anything that
// is not well-formed is MalformedXML.
import { S3Invalid } from '../../errors/index.js';

export const S3_NS = 'http://s3.amazonaws.com/doc/2006-03-01/';

export type XmlValue = string | number | boolean | XmlNode | XmlNode[] | undefined | null;
export interface XmlNode {
  [name: string]: XmlValue;
}

export function escapeXml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' })[c]!);
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

/** Parses a document into its root element; namespace prefixes are dropped from names. */
export function parseXml(text: string): Element {
  let at = 0;
  const fail = (why: string): never => {
    throw new S3Invalid('MalformedXML', `the XML you provided was not well-formed or did not validate against our published schema (${why})`);
  };
  const skipMisc = () => {
    for (;;) {
      while (at < text.length && /\s/.test(text[at]!)) at++;
      if (text.startsWith('<?', at)) {
        const end = text.indexOf('?>', at);
        if (end < 0) fail('unterminated declaration');
        at = end + 2;
      } else if (text.startsWith('<!--', at)) {
        const end = text.indexOf('-->', at);
        if (end < 0) fail('unterminated comment');
        at = end + 3;
      } else return;
    }
  };
  const element = (): Element => {
    if (text[at] !== '<') fail(`expected an element at offset ${at}`);
    const m = /^<([A-Za-z_][\w.:-]*)((?:\s+[\w.:-]+\s*=\s*(?:"[^"]*"|'[^']*'))*)\s*(\/?)>/.exec(text.slice(at, at + 2048));
    if (!m) fail(`malformed start tag at offset ${at}`);
    const qname = m![1]!;
    const el: Element = { name: qname.includes(':') ? qname.slice(qname.indexOf(':') + 1) : qname, children: [], text: '' };
    at += m![0].length;
    if (m![3] === '/') return el;
    for (;;) {
      const lt = text.indexOf('<', at);
      if (lt < 0) fail(`unterminated element <${qname}>`);
      el.text += decodeEntities(text.slice(at, lt), fail);
      at = lt;
      if (text.startsWith('</', at)) {
        const close = new RegExp(`^</${qname.replace(/[.]/g, '\\.')}\\s*>`).exec(text.slice(at, at + qname.length + 16));
        if (!close) fail(`mismatched end tag for <${qname}>`);
        at += close![0].length;
        return el;
      }
      if (text.startsWith('<!--', at)) {
        const end = text.indexOf('-->', at);
        if (end < 0) fail('unterminated comment');
        at = end + 3;
        continue;
      }
      if (text.startsWith('<![CDATA[', at)) {
        const end = text.indexOf(']]>', at);
        if (end < 0) fail('unterminated CDATA');
        el.text += text.slice(at + 9, end);
        at = end + 3;
        continue;
      }
      el.children.push(element());
    }
  };
  skipMisc();
  const root = element();
  skipMisc();
  if (at !== text.length) fail('content after the root element');
  return root;
}

function decodeEntities(s: string, fail: (why: string) => never): string {
  return s.replace(/&(#x[0-9a-fA-F]+|#\d+|amp|lt|gt|quot|apos);|&/g, (all, name: string | undefined) => {
    if (!name) return fail('a bare "&" in text');
    if (name.startsWith('#x')) return String.fromCodePoint(parseInt(name.slice(2), 16));
    if (name.startsWith('#')) return String.fromCodePoint(parseInt(name.slice(1), 10));
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
