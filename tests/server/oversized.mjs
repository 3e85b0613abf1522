// A hostile token endpoint beside the real one: answers every POST with a
// token response far larger than any client should read, to check that
// clients stop at their size limit and close the connection.
//
//   POST /oversized/token?mib=256[&length=declared]
//     chunked by default; `length=declared` sends a Content-Length first.
//   GET  /oversized/stats   what the last streams did:
//     [{mib, declared, bytes_sent, closed_early}] (newest last, up to 16)

const CHUNK = Buffer.alloc(64 * 1024, 'a');
const PREFIX = Buffer.from('{"token_type":"Bearer","expires_in":3600,"access_token":"');
const streams = [];

function stream(req, res, url) {
  const mib = Math.min(Number(url.searchParams.get('mib') ?? '256'), 4096);
  const declared = url.searchParams.get('length') === 'declared';
  const total = mib * 1024 * 1024;
  const record = { mib, declared, bytes_sent: 0, closed_early: false };
  streams.push(record);
  if (streams.length > 16) streams.shift();
  const headers = { 'content-type': 'application/json', 'cache-control': 'no-store' };
  if (declared) headers['content-length'] = String(total);
  res.writeHead(200, headers);
  let done = false;
  res.on('close', () => {
    if (!done) record.closed_early = true;
  });
  const write = () => {
    while (record.bytes_sent < total && !res.destroyed) {
      const piece = record.bytes_sent === 0 ? PREFIX : CHUNK.subarray(0, Math.min(CHUNK.length, total - record.bytes_sent));
      record.bytes_sent += piece.length;
      if (!res.write(piece)) return void res.once('drain', write);
    }
    if (!res.destroyed) {
      done = true;
      res.end();
    }
  };
  // Read (and drop) the request body first, as a real server would.
  req.resume();
  req.on('end', write);
}

/** Handles the /oversized routes; false for any other path. */
export function oversized(req, res, url) {
  if (url.pathname === '/oversized/token' && req.method === 'POST') {
    stream(req, res, url);
    return true;
  }
  if (url.pathname === '/oversized/stats' && req.method === 'GET') {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify(streams));
    return true;
  }
  return false;
}
