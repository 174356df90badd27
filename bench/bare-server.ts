import { createServer } from "node:http";
import { AddressInfo } from "node:net";

/**
 * The ingest benchmark's baseline, run as its own process like the bridge: a bare node:http server
 * that reads each request body and answers 200, the least any webhook receiver must do.
 */
const server = createServer((req, res) => {
  req.resume();
  req.on("end", () => {
    res.writeHead(200, { "Content-Type": "application/json", "Content-Length": 2 });
    res.end("{}");
  });
});
server.listen(0, "127.0.0.1", () => {
  process.stdout.write(`${JSON.stringify({ port: (server.address() as AddressInfo).port })}\n`);
});
process.on("SIGTERM", () => server.close(() => process.exit(0)));
