// The reference the bench compares the local proxy with: the least a Node reverse proxy does (keep-alive pool
// to one upstream, request and answer passed through), no routing, no headers of its own. Its cost over direct
// is what any proxy in Node costs on this machine. Usage: node bare-proxy.mjs <listen port> <upstream port>
import { Agent, createServer, request } from 'node:http';

const [port, upstream] = process.argv.slice(2).map(Number);
const agent = new Agent({ keepAlive: true });
createServer((incoming, answer) => {
  const outgoing = request({ agent, host: '127.0.0.1', port: upstream, method: incoming.method, path: incoming.url, headers: incoming.headers }, (response) => {
    answer.writeHead(response.statusCode ?? 502, response.headers);
    response.pipe(answer);
  });
  outgoing.on('error', () => answer.destroy());
  incoming.pipe(outgoing);
}).listen(port, '127.0.0.1', () => process.send?.('listening'));
