import { type Code, ConnectError, type ConnectRouter } from "@connectrpc/connect";
import { fromIncomingContext, newMD, pairs, setHeader, setTrailer } from "@hello-metadata/metadata";
import { GreetService } from "./gen/greet/v1/greet_pb.js";

// The routes, as any Connect-ES adapter takes them. The handler reads the
// caller's metadata, sets a header and a trailer, then answers or fails.
export default (router: ConnectRouter) =>
  router.service(GreetService, {
    greet(req, ctx) {
      const md = fromIncomingContext(ctx.values); // what the caller sent
      const user = md?.get("x-user")[0] ?? "stranger";
      const reply = newMD({ "x-greeted": user });
      reply.set("trace-bin", ...(md?.get("trace-bin") ?? [])); // Uint8Array values
      setHeader(ctx, reply);
      setTrailer(
        ctx,
        pairs("x-outcome", req.failCode ? "failed" : "ok", "cost-bin", new Uint8Array([0, 255])),
      );
      if (req.failCode !== 0) {
        const code: Code = req.failCode;
        throw new ConnectError(`failing with code ${code}, as asked`, code);
      }
      return { greeting: `Hello, ${user}`, receivedKeys: md?.keys().sort() ?? [] };
    },
  });
