// Requests Node's HTTP parser refuses before any handler sees them (a request
// line or headers over its 16 KiB limit — a 20,000-character key, say — or
// bytes that are not HTTP): the client gets a status naming the problem
// instead of a reset connection. Node's own handling writes its status and
// destroys the socket at once, and a client still sending its request then sees
// ECONNRESET instead of the answer; here the socket is ended after the answer
// and what the client still sends is read and dropped (for at most 5 s). The
// answer has no body (the request's method is not known: a body would break a
// HEAD's answer); the problem is in its status line and an `X-Tusk-Error` header.
// A connection whose current answer has begun is destroyed, as Node does.
import type { Server } from 'node:http';
import type { Socket } from 'node:net';

export function answerClientErrors(server: Server): void {
  const answered = new WeakSet<Socket>();
  server.on('clientError', (err: NodeJS.ErrnoException, socket: Socket) => {
    if (answered.has(socket)) return; // the rest of a refused request, being dropped
    // As Node does: no answer in the middle of one already under way on this connection (kept alive, it
    // may have carried earlier answers: those are done and do not count).
    const current = (socket as Socket & { _httpMessage?: { headersSent?: boolean } })._httpMessage;
    if (!socket.writable || current?.headersSent || err.code === 'ECONNRESET') return void socket.destroy();
    const [status, reason, message] =
      err.code === 'HPE_HEADER_OVERFLOW'
        ? [431, 'Request Header Fields Too Large', 'the request line and headers are over 16 KiB (a key or query this long is refused)']
        : err.code === 'ERR_HTTP_REQUEST_TIMEOUT'
          ? [408, 'Request Timeout', 'the request did not arrive in time']
          : [400, 'Bad Request', `the request is not valid HTTP (${err.code ?? 'parse error'})`];
    socket.end(`HTTP/1.1 ${status} ${reason}\r\nConnection: close\r\nContent-Length: 0\r\nX-Tusk-Error: ${message}\r\n\r\n`);
    answered.add(socket);
    socket.on('error', () => undefined);
    // The HTTP parser stops at its error: what the client still sends is read here and dropped, so the
    // socket is not closed with unread data (which resets the connection before the client reads the answer).
    socket.removeAllListeners('data');
    socket.on('data', () => undefined);
    socket.resume();
    setTimeout(() => socket.destroy(), 5000).unref();
  });
}
