/**
 * The parts of Node's HTTP/1.1 `ServerResponse` and HTTP/2 compatibility
 * `Http2ServerResponse` that the server's own small responders use, so one
 * function serves both.
 */
export interface NodeResponse {
  writeHead(status: number, headers: Record<string, string>): unknown;
  end(body: string): unknown;
  end(): unknown;
  destroy(): void;
}
