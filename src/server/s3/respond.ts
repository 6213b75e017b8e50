// Writing S3 responses: XML documents, ETags and the two date formats S3 uses
// (ISO 8601 in XML, RFC 7231 in headers).
import type { ServerResponse } from 'node:http';
import { renderXml, type XmlNode } from './xml.js';

export function sendXml(res: ServerResponse, status: number, root: string, body: XmlNode, headers: Record<string, string> = {}): void {
  const text = renderXml(root, body);
  res.writeHead(status, { ...headers, 'content-type': 'application/xml', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

/** A response without a body; a HEAD answer passes the object's content-length in `headers`. */
export function sendEmpty(res: ServerResponse, status: number, headers: Record<string, string | number> = {}): void {
  res.writeHead(status, { 'content-length': 0, ...headers });
  res.end();
}

/** The ETag of a file: its content hash (sha256), quoted. */
export function etagOf(hash: string): string {
  return `"${hash}"`;
}

/** S3's XML timestamps: ISO 8601 with milliseconds. */
export function isoTime(d: Date): string {
  return d.toISOString();
}

export function httpTime(d: Date): string {
  return d.toUTCString();
}
