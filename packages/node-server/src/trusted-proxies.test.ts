import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { createTrustedProxies } from "./trusted-proxies.js";

describe("createTrustedProxies", () => {
  const proxies = createTrustedProxies(["10.0.0.0/8", "::1", "fd00::/8"]);
  const cases = [
    {
      name: "an untrusted peer is the client, whatever it claims",
      peer: "203.0.113.9",
      headers: { "x-forwarded-for": "1.2.3.4" },
      want: "203.0.113.9",
    },
    {
      name: "a trusted peer's X-Forwarded-For names the client",
      peer: "10.1.2.3",
      headers: { "x-forwarded-for": "198.51.100.7" },
      want: "198.51.100.7",
    },
    {
      name: "chains are read from the right, skipping trusted proxies",
      peer: "10.1.2.3",
      headers: { "x-forwarded-for": "1.1.1.1, 198.51.100.7, 10.9.9.9" },
      want: "198.51.100.7",
    },
    {
      name: "Forwarded wins over X-Forwarded-For",
      peer: "::1",
      headers: { forwarded: 'for="[2001:db8::7]:4711";proto=http', "x-forwarded-for": "1.1.1.1" },
      want: "2001:db8::7",
    },
    {
      name: "Forwarded with several elements",
      peer: "::1",
      headers: { forwarded: "for=192.0.2.60, for=10.0.0.5" },
      want: "192.0.2.60",
    },
    {
      name: "an IPv4-mapped peer matches its IPv4 range",
      peer: "::ffff:10.0.0.1",
      headers: { "x-forwarded-for": "192.0.2.1" },
      want: "192.0.2.1",
    },
    {
      name: "a trusted peer without headers is its own client",
      peer: "10.0.0.1",
      headers: {},
      want: "10.0.0.1",
    },
    {
      name: "an obfuscated or unknown hop leaves the peer as the client",
      peer: "10.0.0.1",
      headers: { forwarded: "for=unknown" },
      want: "10.0.0.1",
    },
    {
      name: "a chain of trusted proxies only: the leftmost is the client",
      peer: "10.0.0.1",
      headers: { "x-forwarded-for": "10.0.0.2, 10.0.0.3" },
      want: "10.0.0.2",
    },
  ];
  for (const { name, peer, headers, want } of cases) {
    it(name, () => assert.equal(proxies.clientOf(peer, headers), want));
  }
  it("with no trusted proxies, nobody is trusted", () => {
    const none = createTrustedProxies([]);
    assert.equal(none.clientOf("127.0.0.1", { "x-forwarded-for": "1.2.3.4" }), "127.0.0.1");
  });
  it("refuses an entry that is neither an address nor a CIDR, naming it", () => {
    assert.throws(() => createTrustedProxies(["nginx"]), /"nginx" is not an IP address or CIDR/);
    assert.throws(() => createTrustedProxies(["10.0.0.0/33"]), /bad prefix length/);
  });
});
