// A null S3 endpoint for the s3-gateway benchmark's ceiling row (not a benchmark itself: its name starts
// with '_'; a measuring stand-in, never used by a test). It reads each request body to its end and answers
// only what `aws s3 cp` and `aws s3 sync` need: 200 and an ETag for a PUT, the multipart XML for create and
// complete, and an empty ListObjectsV2 for the sync's listing. It stores nothing and checks no signature, so
// the time of a run against it is what the aws CLI itself needs on this machine: no server can be faster.
// Prints {"port": N} on stdout; exits on SIGTERM or when its stdin closes.
import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

const ETAG = '"d41d8cd98f00b204e9800998ecf8427e"';
let uploads = 0;

function xml(res: ServerResponse, body: string): void {
  res.writeHead(200, { 'content-type': 'application/xml', 'content-length': Buffer.byteLength(body) });
  res.end(body);
}

const server = createServer((req, res) => {
  const url = new URL(req.url ?? '/', 'http://null');
  const [bucket = '', ...rest] = url.pathname.split('/').filter(Boolean);
  const key = rest.join('/');
  req.resume();
  req.once('end', () => {
    const ns = 'xmlns="http://s3.amazonaws.com/doc/2006-03-01/"';
    if (req.method === 'PUT') {
      res.writeHead(200, { etag: ETAG, 'content-length': 0 });
      res.end();
    } else if (req.method === 'POST' && url.searchParams.has('uploads')) {
      xml(res, `<InitiateMultipartUploadResult ${ns}><Bucket>${bucket}</Bucket><Key>${key}</Key><UploadId>u${++uploads}</UploadId></InitiateMultipartUploadResult>`);
    } else if (req.method === 'POST' && url.searchParams.has('uploadId')) {
      xml(res, `<CompleteMultipartUploadResult ${ns}><Bucket>${bucket}</Bucket><Key>${key}</Key><ETag>${ETAG}</ETag></CompleteMultipartUploadResult>`);
    } else if (req.method === 'GET' && key === '') {
      xml(res, `<ListBucketResult ${ns}><Name>${bucket}</Name><KeyCount>0</KeyCount><MaxKeys>1000</MaxKeys><IsTruncated>false</IsTruncated></ListBucketResult>`);
    } else {
      res.writeHead(501, { 'content-length': 0 }); // not needed by the runs this endpoint serves
      res.end();
    }
  });
});
server.listen(0, '127.0.0.1', () => process.stdout.write(`${JSON.stringify({ port: (server.address() as AddressInfo).port })}\n`));
process.once('SIGTERM', () => process.exit(0));
process.stdin.once('end', () => process.exit(0)).resume();
