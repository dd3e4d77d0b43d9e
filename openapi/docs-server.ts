// Serves the OpenAPI document and a Swagger UI page for it (swagger-ui-dist's own files from
// node_modules, nothing from a CDN), for `npm start`. Loopback only.
import { readFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import path from 'node:path';
import { repoRoot } from '../dev/paths.js';
import { ARTIFACTS } from './artifacts.js';
import { listenOnLoopback } from '../dev/processes.js';

const SWAGGER_UI = path.join(repoRoot, 'node_modules', 'swagger-ui-dist');
const ASSETS: Record<string, string> = {
  '/swagger-ui.css': 'text/css',
  '/swagger-ui-bundle.js': 'text/javascript',
  '/swagger-ui-standalone-preset.js': 'text/javascript',
};

const PAGE = `<!doctype html>
<html lang="en">
  <head>
    <meta charset="utf-8" />
    <title>verigate API</title>
    <link rel="icon" href="data:," />
    <link rel="stylesheet" href="/swagger-ui.css" />
  </head>
  <body>
    <div id="swagger-ui"></div>
    <script src="/swagger-ui-bundle.js"></script>
    <script src="/init.js"></script>
  </body>
</html>
`;
const INIT = `window.ui = SwaggerUIBundle({ url: '/openapi.json', dom_id: '#swagger-ui', deepLinking: true, tryItOutEnabled: false });\n`;

export interface DocsServer {
  url: string;
  close(): Promise<void>;
}

/** The document is served as committed, with its first server pointed at the running API. */
export async function startDocsServer(o: { port: number; apiUrl: string }): Promise<DocsServer> {
  const server = createServer((req, res) => {
    void (async () => {
      const pathname = new URL(req.url ?? '/', 'http://docs').pathname;
      if (req.method !== 'GET') {
        res.writeHead(405).end();
      } else if (pathname === '/' || pathname === '/index.html') {
        res.writeHead(200, { 'content-type': 'text/html;charset=UTF-8' }).end(PAGE);
      } else if (pathname === '/init.js') {
        res.writeHead(200, { 'content-type': 'text/javascript;charset=UTF-8' }).end(INIT);
      } else if (pathname === '/openapi.json') {
        const doc = JSON.parse(await readFile(ARTIFACTS.openapi, 'utf8')) as { servers: { url: string; description: string }[] };
        doc.servers[0] = { url: o.apiUrl, description: 'this `npm start`' };
        res.writeHead(200, { 'content-type': 'application/json;charset=UTF-8', 'cache-control': 'no-store' }).end(JSON.stringify(doc, null, 2));
      } else if (pathname === '/customer-events.schema.json') {
        res.writeHead(200, { 'content-type': 'application/schema+json;charset=UTF-8' }).end(await readFile(ARTIFACTS.customerEvents));
      } else if (ASSETS[pathname]) {
        res.writeHead(200, { 'content-type': `${ASSETS[pathname]};charset=UTF-8` }).end(await readFile(path.join(SWAGGER_UI, pathname)));
      } else {
        res.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
      }
    })().catch(() => {
      if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain' }).end('docs server error');
    });
  });
  return listenOnLoopback(server, o.port);
}
