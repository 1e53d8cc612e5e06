import { startServerProcess } from "../scripts/kit/server-process.js";

/**
 * Starts two real servers, as `npm start` runs them (the built
 * `dist/server/main.js`), on free ports of 127.0.0.1
 * and exports their URLs: E2E_BASE_URL, the API (and same-origin page), and
 * E2E_OTHER_URL, a second server whose origin the first does not allow, for
 * cross-origin tests. Page and server must be built (`npm run build`);
 * `npm test` does that before. Their stderr shows in the test output.
 */
export default async function globalSetup(): Promise<() => Promise<void>> {
  const start = () =>
    startServerProcess({
      entry: "dist/server/main.js",
      env: { LOG_LEVEL: "warn" },
      echoStderr: true,
    });
  const started = await Promise.allSettled([start(), start()]);
  const servers = started.flatMap((s) => (s.status === "fulfilled" ? [s.value] : []));
  const stopAll = async () => {
    await Promise.all(servers.map((s) => s.stop()));
  };
  const [api, other] = servers;
  if (!api || !other) {
    await stopAll();
    throw started.find((s) => s.status === "rejected")?.reason;
  }
  process.env.E2E_BASE_URL = api.url;
  process.env.E2E_OTHER_URL = other.url;
  return stopAll;
}
