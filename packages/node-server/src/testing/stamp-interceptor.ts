import { Code, ConnectError, type Interceptor } from "@connectrpc/connect";

/** The response header {@link stampInterceptor} sets: `unary` or `stream`, the call's kind. */
export const stampHeader = "x-stamp";

/** A request header that makes {@link stampInterceptor} refuse the call before the service runs. */
export const refuseHeader = "x-refuse";

/**
 * An interceptor for the engine's tests, on plain Connect-ES APIs: it
 * refuses a call whose request carries {@link refuseHeader} with
 * `FailedPrecondition` (the service never runs), and stamps every answer it
 * sees with {@link stampHeader} in the response headers and `x-stamp` in
 * the trailers, so a server that skips or misorders interceptors answers
 * differently.
 */
export const stampInterceptor: Interceptor = (next) => async (req) => {
  if (req.header.has(refuseHeader)) {
    throw new ConnectError("refused by the interceptor", Code.FailedPrecondition, {
      "x-refused": req.header.get(refuseHeader) ?? "",
    });
  }
  const res = await next(req);
  const kind = res.stream ? "stream" : "unary";
  res.header.set(stampHeader, kind);
  res.trailer.set(stampHeader, kind);
  return res;
};
