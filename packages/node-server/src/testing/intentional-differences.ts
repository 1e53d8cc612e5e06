import assert from "node:assert/strict";
import { Code } from "@connectrpc/connect";
import { parseContentType as parseConnect } from "@connectrpc/connect/protocol-connect";
import { parseContentType as parseGrpc } from "@connectrpc/connect/protocol-grpc";
import { parseContentType as parseGrpcWeb } from "@connectrpc/connect/protocol-grpc-web";
import { decodeGrpcMessage, encodeGrpcMessage } from "@hello-metadata/metadata/internal";
import {
  connectErrorOf,
  decodeGrpcWebText,
  type Frame,
  framesOf,
  grpcStatusOf,
} from "./answer-reading.js";
import type { CallSpec } from "./call-probe.js";
import { compareAnswers, describeDifferences } from "./compare-answers.js";
import { EchoService } from "./gen/enginetest/v1/echo_pb.js";
import { maxRequestBytes } from "./servers-under-test.js";
import type { Answer, Probe } from "./wire-client.js";

/**
 * Where the engine answers differently from stock `connectNodeAdapter` on
 * purpose, each with its reason and an assertion of both answers. The
 * differential suite allows a difference only when one of these applies to
 * the request, touches only the fields it names, and its assertions hold;
 * and it fails when one that differs every time applies but the answers
 * are equal (the difference is gone, so the entry must go too).
 */

/** One request of the corpus: its probe and, for generated calls, what it was made from. */
export interface Case {
  readonly name: string;
  readonly probe: Probe;
  readonly spec?: CallSpec;
}

/** What a difference's assertions get. */
export interface Answers {
  readonly engine: Answer;
  readonly stock: Answer;
  /** Sends another probe to the engine (for differences checked against a second answer). */
  readonly askEngine: (probe: Probe) => Promise<Answer>;
}

/** A deliberate difference between the engine's answer and stock's. */
export interface IntentionalDifference {
  readonly name: string;
  /** Why the engine answers differently. */
  readonly reason: string;
  /** Whether the difference is expected for this request. */
  applies(c: Case): boolean;
  /** The fields (as compareAnswers names them) it may change, or "all". */
  readonly fields: "all" | readonly string[];
  /**
   * Whether every request it applies to is answered differently; false
   * when that depends on the answer's content (then equal answers are fine).
   */
  readonly everyTime: boolean;
  /** Asserts that both answers are exactly what this difference says. */
  check(c: Case, answers: Answers): void | Promise<void>;
}

const rpcPaths: ReadonlySet<string> = new Set(
  Object.values(EchoService.method).map((m) => `/${EchoService.typeName}/${m.name}`),
);

function pathOf(probe: Probe): string {
  return probe.path.split("?", 1)[0] ?? "";
}

const isRpcPath = (probe: Probe) => rpcPaths.has(pathOf(probe));

/** Whether Connect-ES (not the engine) reads the content type as one of its protocols'. */
function stockKnowsContentType(contentType: string | undefined): boolean {
  if (contentType === undefined) return false;
  return Boolean(parseConnect(contentType) ?? parseGrpc(contentType) ?? parseGrpcWeb(contentType));
}

/** The protocol a content type names, for an unknown method's answer. */
function protocolOf(contentType: string | undefined): "connect" | "grpc" | "grpc-web" {
  if (contentType !== undefined && parseGrpcWeb(contentType)) return "grpc-web";
  if (contentType !== undefined && parseGrpc(contentType)) return "grpc";
  return "connect";
}

const textContentType = /^application\/grpc-web-text(\+(proto|json))?$/i;

/**
 * How the engine refuses a gRPC-Web text body before decoding it: one that
 * is not base64, or longer than the base64 of an envelope at the size limit
 * (plus 64 bytes of slack), which it stops reading.
 */
function textRefusal(probe: Probe): { code: Code; message: string } | undefined {
  const text = Buffer.from(probe.body).toString("latin1");
  if (text.length > Math.ceil(((maxRequestBytes + 5) * 4) / 3) + 64) {
    const message = `message is larger than configured readMaxBytes ${maxRequestBytes}`;
    return { code: Code.ResourceExhausted, message };
  }
  if (
    !/^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/.test(
      text.replace(/\s+/g, ""),
    )
  ) {
    return {
      code: Code.InvalidArgument,
      message: "gRPC-Web text request body is not valid base64",
    };
  }
  return undefined;
}

/** Connect-ES refuses bidi streaming on HTTP/1.1 (505) before it looks at anything else. */
function bidiOnHttp1(probe: Probe): boolean {
  return probe.http === "1.1" && pathOf(probe) === `/${EchoService.typeName}/BidiStream`;
}

const bodyFields = ["header:content-type", "header:content-length", "body"] as const;

function assertEmptyBody(answer: Answer, status: number, who: string): void {
  assert.equal(answer.status, status, `${who}'s status`);
  assert.equal(answer.body.length, 0, `${who} answers ${status} with no body`);
}

/** The lines of a gRPC-Web trailer frame, sorted. */
/** The code of a Connect streaming answer's end-of-stream error, if any. */
function connectEndStreamCode(answer: Answer): string | undefined {
  const frames = framesOf(answer.body) ?? [];
  const end = frames.find((f) => f.flags & 0x02);
  if (!end) return undefined;
  try {
    return (JSON.parse(end.data.toString()) as { error?: { code?: string } }).error?.code;
  } catch {
    return undefined;
  }
}

/** A trailer frame's lines, sorted, with `grpc-message` decoded (either percent-encoding). */
function trailerLines(data: Buffer | undefined): string[] {
  return (data?.toString("latin1") ?? "")
    .split("\r\n")
    .filter((l) => l !== "")
    .map((l) => {
      const m = /^grpc-message:\s*(.*)$/i.exec(l);
      return m ? `grpc-message: ${decodeGrpcMessage(m[1] ?? "")}` : l;
    })
    .sort();
}

/** The `grpc-message` values of an answer's headers or trailers. */
function grpcMessages(fields: Readonly<Record<string, readonly string[] | undefined>>): string[] {
  return [...(fields["grpc-message"] ?? [])];
}

/** Connect's and the fast path's conditions for serving a unary call itself (see fast-unary.ts). */
function fastPathServes(spec: CallSpec): boolean {
  if (spec.compress !== undefined) return false;
  if (spec.shape === "serverStream") {
    // The server-streaming fast path: binary gRPC and gRPC-Web (the probe sends the first message only).
    const grpcLike = spec.protocol === "grpc" || spec.protocol === "grpc-web";
    return grpcLike && spec.codec === "proto" && spec.messages.length > 0;
  }
  if (spec.shape !== "unary") return false;
  // No message is an empty body: a valid empty protobuf message, but not
  // JSON, and no envelope for gRPC; Connect-ES refuses those itself.
  const parses =
    spec.messages.length > 0 || (spec.protocol === "connect" && spec.codec === "proto");
  if (spec.protocol === "connect") return !spec.get && parses; // a Connect GET is Connect-ES's
  const grpcLike = spec.protocol === "grpc" || spec.protocol === "grpc-web";
  return grpcLike && spec.codec === "proto" && parses;
}

/** The problems the engine finds in a Connect GET query before Connect-ES sees it. */
function getQueryProblem(probe: Probe): boolean {
  const query = new URLSearchParams(probe.path.split("?")[1] ?? "");
  const message = query.get("message");
  if (message === null) return true;
  if (query.get("base64") === "1" && !/^[A-Za-z0-9+/_-]*={0,2}$/.test(message)) return true;
  const encoding = query.get("encoding");
  return encoding !== null && encoding !== "json" && encoding !== "proto";
}

/** The intentional differences; the first that applies to a request is the one that judges it. */
export const intentionalDifferences: readonly IntentionalDifference[] = [
  {
    name: "gRPC-Web text is served",
    reason:
      "the grpc-web JavaScript client's default mode; Connect-ES serves only binary gRPC-Web and answers a bare 415. The engine decodes the request and answers exactly what it answers the same call in binary, base64-encoded; a body that is not base64 is invalid_argument, one too large to decode within the limit resource_exhausted, in a trailer frame. (Bidi streaming on HTTP/1.1 is refused with 505 by both, before the content type is looked at.)",
    applies: (c) =>
      c.probe.method === "POST" &&
      isRpcPath(c.probe) &&
      textContentType.test(c.probe.headers["content-type"] ?? "") &&
      !bidiOnHttp1(c.probe),
    fields: "all",
    everyTime: true,
    async check(c, { engine, stock, askEngine }) {
      assertEmptyBody(stock, 415, "stock");
      assert.equal(engine.failure ?? engine.resetCode, undefined, "the engine answered in full");
      const refusal = textRefusal(c.probe);
      const json = /\+json$/i.test(c.probe.headers["content-type"] ?? "");
      if (refusal) {
        assert.equal(engine.status, 200);
        assert.deepEqual(engine.headers["content-type"], ["application/grpc-web-text+proto"]);
        const decoded = { ...engine, body: decodeGrpcWebText(engine.body) };
        assert.deepEqual(grpcStatusOf(decoded), refusal);
        return;
      }
      const binary = await askEngine({
        ...c.probe,
        headers: {
          ...c.probe.headers,
          "content-type": `application/grpc-web+${json ? "json" : "proto"}`,
        },
        body: decodeGrpcWebText(Buffer.from(c.probe.body)),
      });
      const isWeb = binary.headers["content-type"] !== undefined;
      const decoded: Answer = {
        ...engine,
        headers: {
          ...engine.headers,
          ...(isWeb ? { "content-type": binary.headers["content-type"] ?? [] } : {}),
        },
        body: decodeGrpcWebText(engine.body),
      };
      if (isWeb) {
        assert.deepEqual(engine.headers["content-type"], [
          `application/grpc-web-text+${json ? "json" : "proto"}`,
        ]);
      }
      const differences = compareAnswers(decoded, binary);
      assert.ok(
        differences.length === 0,
        `the text answer, decoded, differs from the binary one:\n  ${describeDifferences(differences, { left: "text", right: "binary" })}`,
      );
    },
  },
  {
    name: "415 names the accepted content types",
    reason:
      "a POST to an RPC path with a content type no protocol uses: Connect-ES answers a bare 415; the engine says which type it got and lists the accepted ones (body and Accept-Post)",
    applies: (c) =>
      c.probe.method === "POST" &&
      isRpcPath(c.probe) &&
      !stockKnowsContentType(c.probe.headers["content-type"]),
    fields: [...bodyFields, "header:accept-post"],
    everyTime: true,
    check(c, { engine, stock }) {
      assertEmptyBody(stock, 415, "stock");
      assert.equal(engine.status, 415);
      assert.deepEqual(engine.headers["content-type"], ["text/plain; charset=utf-8"]);
      const accepted = (engine.headers["accept-post"]?.[0] ?? "").split(", ");
      for (const type of ["application/json", "application/grpc", "application/grpc-web"]) {
        assert.ok(accepted.includes(type), `Accept-Post lists ${type}`);
      }
      const sent = JSON.stringify(c.probe.headers["content-type"] ?? "");
      assert.ok(
        engine.body.toString().startsWith(`unsupported content-type ${sent}: use application/json`),
        engine.body.toString(),
      );
    },
  },
  {
    name: "an unknown method is unimplemented in the protocol's words",
    reason:
      "Connect-ES's router answers an unknown path with a bare 404, which gRPC clients report as a transport failure; the engine answers as connect-go and grpc-go do: HTTP 404 with a JSON `unimplemented` error on Connect, `grpc-status: 12` on gRPC and gRPC-Web",
    applies: (c) =>
      c.probe.method === "POST" &&
      !isRpcPath(c.probe) &&
      stockKnowsContentType(c.probe.headers["content-type"]),
    fields: "all",
    everyTime: true,
    check(c, { engine, stock }) {
      assertEmptyBody(stock, 404, "stock");
      const message = `unknown method ${pathOf(c.probe)}`;
      const protocol = protocolOf(c.probe.headers["content-type"]);
      if (protocol === "connect") {
        assert.equal(engine.status, 404);
        assert.deepEqual(connectErrorOf(engine), { code: "unimplemented", message });
        return;
      }
      assert.equal(engine.status, 200);
      assert.deepEqual(grpcStatusOf(engine), { code: Code.Unimplemented, message });
      assert.deepEqual(engine.headers["grpc-message"], [encodeGrpcMessage(message)]);
      assert.deepEqual(engine.headers["content-type"], [
        protocol === "grpc" ? "application/grpc" : "application/grpc-web+proto",
      ]);
    },
  },
  {
    name: "a path that is no RPC gets a 404 that says so",
    reason:
      "the engine's default fallback (apps pass their own, e.g. static files) answers `not found` as text; connect-node's answers an empty 404",
    applies: (c) => !isRpcPath(c.probe),
    fields: bodyFields,
    everyTime: true,
    check(_c, { engine, stock }) {
      assertEmptyBody(stock, 404, "stock");
      assert.equal(engine.status, 404);
      assert.deepEqual(engine.headers["content-type"], ["text/plain; charset=utf-8"]);
      assert.equal(engine.body.toString(), "not found\n");
    },
  },
  {
    name: "a Connect GET with an unusable query is invalid_argument saying why",
    reason:
      "Connect-ES answers a missing message with a JSON parse error, a message that is not base64 with `internal`, an unknown encoding with a bare 415; the caller sent the bad query, so the engine answers `invalid_argument` naming the problem",
    applies: (c) => c.probe.method === "GET" && isRpcPath(c.probe) && getQueryProblem(c.probe),
    fields: "all",
    everyTime: true,
    check(_c, { engine, stock }) {
      assert.ok((stock.status ?? 0) >= 400, `stock answers an error (${stock.status})`);
      assert.equal(engine.status, 400);
      const error = connectErrorOf(engine);
      assert.equal(error?.code, "invalid_argument");
      assert.match(error?.message ?? "", /"message" query parameter|unsupported encoding/);
    },
  },
  {
    name: "an expired deadline is answered without running the handler",
    reason:
      "grpc-go's behaviour, and the fast paths': a unary or server-streaming call whose timeout is already over (grpc-timeout 0, connect-timeout-ms 0) gets `deadline_exceeded` at once; Connect-ES runs the interceptors and the handler with an aborted signal, and this handler does not look at it",
    applies: (c) => c.spec !== undefined && c.spec.timeout === "expired" && fastPathServes(c.spec),
    fields: "all",
    everyTime: true,
    check(c, { engine, stock }) {
      const message = "the operation timed out";
      if (c.spec?.protocol === "connect") {
        assert.equal(engine.status, 504);
        const expired = { code: "deadline_exceeded", message };
        assert.deepEqual(connectErrorOf(engine), expired);
        assert.notDeepEqual(connectErrorOf(stock), expired, "stock ran the handler");
        return;
      }
      const expired = { code: Code.DeadlineExceeded, message };
      assert.deepEqual(grpcStatusOf(engine), expired);
      assert.notDeepEqual(grpcStatusOf(stock), expired, "stock ran the handler");
    },
  },
  {
    name: "an HTTP/1.1 request Node cannot parse gets a reason",
    reason:
      "Node's default answer is a bare 400; the engine's HTTP/1.1 server says what was wrong in the parser's words (never echoing the request)",
    applies: (c) => c.probe.raw !== undefined,
    fields: bodyFields,
    everyTime: true,
    check(_c, { engine, stock }) {
      assertEmptyBody(stock, 400, "stock");
      assert.equal(engine.status, 400);
      assert.deepEqual(engine.headers["content-type"], ["text/plain; charset=utf-8"]);
      assert.match(engine.body.toString(), /^Bad Request: .+\n$/);
    },
  },
  {
    name: "a request in an encoding the server cannot read is refused naming the ones it can",
    reason:
      "the gRPC compression spec and the Connect protocol ask a server to answer an unsupported request encoding with unimplemented and its accept-encoding header; Connect-ES refuses with unimplemented too but drops the header on the way out (and answers gRPC with headers and trailers where the engine's refusal is trailers-only)",
    applies: (c) => {
      const h = c.probe.headers;
      const used = h["grpc-encoding"] ?? h["connect-content-encoding"] ?? h["content-encoding"];
      return isRpcPath(c.probe) && used !== undefined && !["identity", "gzip", "br"].includes(used);
    },
    fields: "all",
    everyTime: true,
    check(c, { engine, stock }) {
      const protocol = protocolOf(c.probe.headers["content-type"]);
      if (protocol === "connect") {
        const accept = c.probe.headers["content-encoding"]
          ? "accept-encoding"
          : "connect-accept-encoding";
        assert.deepEqual(
          engine.headers[accept],
          ["gzip,br"],
          `the engine names gzip and br in ${accept}`,
        );
        assert.equal(connectErrorOf(engine)?.code ?? connectEndStreamCode(engine), "unimplemented");
        return;
      }
      assert.deepEqual(engine.headers["grpc-accept-encoding"], ["gzip,br"]);
      assert.equal(grpcStatusOf(engine)?.code, Code.Unimplemented, "the engine: unimplemented");
      assert.equal(grpcStatusOf(stock)?.code, Code.Unimplemented, "stock: unimplemented too");
    },
  },
  {
    name: "grpc-message is percent-encoded as the gRPC spec writes it",
    reason:
      "Connect-ES encodes grpc-message with encodeURIComponent (spaces as %20), which grpc-js decodes only in part and protobuf-ts not at all; the spec encodes only bytes outside 0x20-0x7E and %, and the engine re-encodes every gRPC answer that way — the text, decoded, is the same",
    applies: (c) => protocolOf(c.probe.headers["content-type"]) === "grpc",
    fields: ["header:grpc-message", "trailer:grpc-message"],
    everyTime: false,
    check(_c, { engine, stock }) {
      for (const place of ["headers", "trailers"] as const) {
        const ours = grpcMessages(engine[place]);
        const theirs = grpcMessages(stock[place]);
        assert.deepEqual(
          ours.map(decodeGrpcMessage),
          theirs.map((v) => decodeURIComponent(v)),
          `${place}: the same text`,
        );
        for (const v of ours)
          assert.equal(v, encodeGrpcMessage(decodeGrpcMessage(v)), "spec-encoded");
      }
    },
  },
  {
    name: "gRPC-Web trailer frames: fields in the order set, grpc-message as the spec writes it",
    reason:
      "the fast path's headers (FastHeaders) iterate in insertion order where the Fetch API's sort by name, so the lines of a unary gRPC-Web trailer frame may come in another order (they are an HTTP/1 header block, whose order carries no meaning); and grpc-message is re-encoded as the spec writes it (see the gRPC entry above)",
    applies: (c) =>
      protocolOf(c.probe.headers["content-type"]) === "grpc-web" &&
      !/^application\/grpc-web-text/i.test(c.probe.headers["content-type"] ?? ""),
    fields: ["body", "header:grpc-message"],
    everyTime: false,
    check(_c, { engine, stock }) {
      assert.deepEqual(
        grpcMessages(engine.headers).map(decodeGrpcMessage),
        grpcMessages(stock.headers).map((v) => decodeURIComponent(v)),
        "a trailers-only grpc-message: the same text",
      );
      const ours = framesOf(engine.body);
      const theirs = framesOf(stock.body);
      assert.ok(ours && theirs, "both bodies are gRPC-Web frames");
      assert.equal(ours.length, theirs.length, "as many frames");
      ours.forEach((frame, i) => {
        const other: Frame | undefined = theirs[i];
        assert.equal(frame.flags, other?.flags, `frame ${i}'s flags`);
        if (frame.flags & 0x80) {
          assert.deepEqual(trailerLines(frame.data), trailerLines(other?.data), "the same fields");
        } else {
          assert.ok(frame.data.equals(other?.data ?? Buffer.alloc(0)), `frame ${i} byte for byte`);
        }
      });
    },
  },
];
