/** A body read up to a limit: its text, or `tooLarge` as soon as the limit is passed. */
export type LimitedBody = { ok: true; text: string } | { ok: false; tooLarge: true };

/**
 * Reads a request body, holding at most `maxBytes` in memory. A declared Content-Length over the
 * limit is refused before a byte is read; a streamed (chunked) body is refused the moment it
 * passes the limit, and the rest is not read: the caller answers 413 while the sender is still
 * sending, so an unsigned 200 MB body costs no more memory than 1 MiB.
 */
export async function readLimitedBody(request: Request, maxBytes: number): Promise<LimitedBody> {
  const declared = Number(request.headers.get('content-length'));
  if (Number.isFinite(declared) && declared > maxBytes) return { ok: false, tooLarge: true };
  if (!request.body) return { ok: true, text: '' };
  const reader = request.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > maxBytes) {
      await reader.cancel().catch(() => undefined);
      return { ok: false, tooLarge: true };
    }
    chunks.push(value);
  }
  return { ok: true, text: Buffer.concat(chunks).toString('utf8') };
}
