// needs: nothing (pure logic)
import { describe, expect, it } from 'vitest';
import { bindingPolicySchema, type BindingPolicy, type ResolvedBinding, type TargetKind } from '../../src/bindings/policy.ts';
import { egressRulesFor, hostMatches, resolvedAddressProblem, safeUrl, urlProblem, type EgressRules } from '../../src/security/egress.ts';
import { formatIp, inCidr, parseCidr, parseIp } from '../../src/security/ip.ts';

// The pure egress rules: what a URL may name, and what an allowed name may resolve to.

const rules = (fields: Partial<EgressRules> = {}): EgressRules => ({
  hosts: [],
  cidrs: [],
  ownOrigins: [],
  platformPorts: [5432, 7233, 8080],
  localAddresses: ['192.168.7.20'],
  ...fields,
});

const binding = (kind: TargetKind, policy: Partial<BindingPolicy>): ResolvedBinding => ({
  id: 'b1',
  workspaceId: 'w1',
  environment: 'staging',
  target: { id: 't1', name: kind, kind },
  policy: bindingPolicySchema.parse(policy),
});

describe('addresses and networks', () => {
  it('reads every way of writing an address as one number', () => {
    for (const written of ['169.254.169.254', '::ffff:169.254.169.254', '[::ffff:a9fe:a9fe]', '0:0:0:0:0:ffff:a9fe:a9fe']) {
      expect(formatIp(parseIp(written)!)).toBe('169.254.169.254');
    }
    expect(formatIp(parseIp('FE80:0:0:0:0:0:0:1%eth0')!)).toBe('fe80::1');
    expect(formatIp(parseIp('2001:db8:0:0:1:0:0:1')!)).toBe('2001:db8::1:0:0:1');
    expect(parseIp('example.com')).toBeUndefined();
    expect(parseIp('1.2.3')).toBeUndefined();
  });

  it('matches IPv4 and IPv6 networks, mapped addresses as IPv4', () => {
    const ten = parseCidr('10.0.0.0/8')!;
    expect(inCidr(parseIp('10.200.3.4')!, ten)).toBe(true);
    expect(inCidr(parseIp('11.0.0.1')!, ten)).toBe(false);
    expect(inCidr(parseIp('::ffff:10.1.2.3')!, ten)).toBe(true);
    const ula = parseCidr('fd00::/8')!;
    expect(inCidr(parseIp('fd12:3456::1')!, ula)).toBe(true);
    expect(inCidr(parseIp('fe80::1')!, ula)).toBe(false);
    expect(inCidr(parseIp('10.0.0.1')!, ula)).toBe(false);
    expect(inCidr(parseIp('10.9.9.9')!, parseCidr('::ffff:10.0.0.0/104')!)).toBe(true);
    expect(inCidr(parseIp('10.0.0.7')!, parseCidr('10.0.0.7')!)).toBe(true);
    expect(parseCidr('10.0.0.0/33')).toBeUndefined();
    expect(parseCidr('nonsense/8')).toBeUndefined();
  });
});

describe('the URL check', () => {
  it('refuses link-local, cloud metadata and unspecified addresses whatever the binding allows', () => {
    const everything = rules({ cidrs: ['0.0.0.0/0', '::/0'], hosts: ['*.internal'] });
    const refused: Array<[string, RegExp]> = [
      ['http://169.254.169.254/latest/meta-data/', /^169\.254\.169\.254 is cloud metadata/],
      ['http://169.254.10.1/', /^169\.254\.10\.1 is link-local$/],
      ['http://[fe80::1]/', /^fe80::1 is link-local$/],
      ['http://[fd00:ec2::254]/', /^fd00:ec2::254 is cloud metadata$/],
      ['http://100.100.100.200/', /^100\.100\.100\.200 is cloud metadata$/],
      ['http://metadata.google.internal/computeMetadata/v1/', /^metadata\.google\.internal is cloud metadata$/],
      ['http://metadata.google.internal./', /^metadata\.google\.internal is cloud metadata$/],
      ['http://0.0.0.0:3000/', /^0\.0\.0\.0 is unspecified$/],
      ['http://[::]/', /^:: is unspecified$/],
      // IPv4-mapped IPv6 and other spellings of the same addresses.
      ['http://[::ffff:169.254.169.254]/', /^169\.254\.169\.254 is cloud metadata/],
      ['http://[::ffff:a9fe:a9fe]/', /^169\.254\.169\.254 is cloud metadata/],
      ['http://[::ffff:0.0.0.0]/', /^0\.0\.0\.0 is unspecified$/],
      ['http://2852039166/', /^169\.254\.169\.254 is cloud metadata/],
      ['http://0xa9.0xfe.0xa9.0xfe/', /^169\.254\.169\.254 is cloud metadata/],
      ['http://[64:ff9b::a9fe:a9fe]/', /^64:ff9b::a9fe:a9fe is cloud metadata/],
    ];
    for (const [url, problem] of refused) expect(urlProblem(url, everything), url).toMatch(problem);
  });

  it('allows http and https only', () => {
    const open = rules({ hosts: ['example.com'] });
    expect(urlProblem('ftp://example.com/x', open)).toBe('ftp URLs are not allowed (http and https only)');
    expect(urlProblem('file:///etc/passwd', open)).toBe('file URLs are not allowed (http and https only)');
    expect(urlProblem('not a url', open)).toBe('the URL is not valid');
    expect(urlProblem('https://example.com/x', open)).toBeUndefined();
  });

  it('denies by default: a name needs a host pattern, an address a CIDR', () => {
    expect(urlProblem('https://api.x.com/v1', rules())).toBe("api.x.com is not in the binding's egress hosts");
    expect(urlProblem('http://10.1.2.3/', rules())).toBe("10.1.2.3 is not in the binding's egress CIDRs");
    expect(urlProblem('http://127.0.0.1:4001/', rules())).toBe("127.0.0.1 is not in the binding's egress CIDRs");
    expect(urlProblem('http://localhost:4001/', rules())).toBe("localhost is not in the binding's egress hosts");
  });

  it('matches host patterns exactly or below a domain, never above or beside it', () => {
    expect(hostMatches('api.x.com', 'api.x.com')).toBe(true);
    expect(hostMatches('a.b.x.com', '*.x.com')).toBe(true);
    expect(hostMatches('x.com', '*.x.com')).toBe(false);
    expect(hostMatches('evilx.com', '*.x.com')).toBe(false);
    expect(hostMatches('api.x.com.evil.net', 'api.x.com')).toBe(false);
    const open = rules({ hosts: ['*.x.com', 'hooks.slack.com'] });
    expect(urlProblem('https://HOOKS.slack.com./services/T/B/C', open)).toBeUndefined();
    expect(urlProblem('https://eu.metrics.x.com/q', open)).toBeUndefined();
    expect(urlProblem('https://slack.com/', open)).toBe("slack.com is not in the binding's egress hosts");
  });

  it('allows addresses in the CIDRs, v4 and v6', () => {
    const open = rules({ cidrs: ['10.0.0.0/8', 'fd00::/8'] });
    expect(urlProblem('http://10.20.30.40:9090/', open)).toBeUndefined();
    expect(urlProblem('http://[fd00::5]:9090/', open)).toBeUndefined();
    expect(urlProblem('http://[::ffff:10.0.0.1]/', open)).toBeUndefined();
    expect(urlProblem('http://11.0.0.1/', open)).toBe("11.0.0.1 is not in the binding's egress CIDRs");
    expect(urlProblem('http://[fe00::1]/', open)).toBe("fe00::1 is not in the binding's egress CIDRs");
  });

  it("refuses the platform's ports on loopback and this machine's addresses even when a CIDR allows them", () => {
    const loopback = rules({ cidrs: ['127.0.0.0/8', '::1/128', '192.168.0.0/16'] });
    expect(urlProblem('http://127.0.0.1:5432/', loopback)).toBe("port 5432 is the platform's Postgres (on 127.0.0.1)");
    expect(urlProblem('http://127.0.0.2:7233/', loopback)).toBe("port 7233 is the platform's Temporal (on 127.0.0.2)");
    expect(urlProblem('http://[::1]:8080/', loopback)).toBe("port 8080 is the platform's API (on ::1)");
    expect(urlProblem('http://[::ffff:127.0.0.1]:5432/', loopback)).toBe("port 5432 is the platform's Postgres (on 127.0.0.1)");
    expect(urlProblem('http://192.168.7.20:5432/', loopback)).toBe("port 5432 is the platform's Postgres (on 192.168.7.20)");
    expect(urlProblem('http://127.0.0.1:4001/', loopback)).toBeUndefined();
    // Elsewhere the same port is someone else's database.
    expect(urlProblem('http://192.168.7.21:5432/', loopback)).toBeUndefined();
    const custom = rules({ cidrs: ['127.0.0.0/8'], platformPorts: [9999] });
    expect(urlProblem('http://127.0.0.1:9999/', custom)).toBe("port 9999 is one of the platform's own ports (on 127.0.0.1)");
  });

  it('says what a name may resolve to: ordinary addresses, local ones only by CIDR, platform ports never', () => {
    const strict = rules();
    expect(resolvedAddressProblem('api.x.com', '93.184.216.34', 443, strict)).toBeUndefined();
    expect(resolvedAddressProblem('web.shop.svc.cluster.local', '10.96.0.12', 80, strict)).toBeUndefined();
    expect(resolvedAddressProblem('evil.x.com', '169.254.169.254', 80, strict)).toBe('evil.x.com resolves to 169.254.169.254, which is cloud metadata (link-local)');
    expect(resolvedAddressProblem('evil.x.com', '::ffff:169.254.169.254', 80, strict)).toMatch(/resolves to 169\.254\.169\.254, which is cloud metadata/);
    expect(resolvedAddressProblem('localhost', '127.0.0.1', 4001, strict)).toBe("localhost resolves to 127.0.0.1, which is loopback and not in the binding's egress CIDRs");
    expect(resolvedAddressProblem('localhost', '::1', 4001, strict)).toMatch(/which is loopback/);
    expect(resolvedAddressProblem('me.lan', '192.168.7.20', 4001, strict)).toMatch(/which is this machine's own address/);
    const loopback = rules({ cidrs: ['127.0.0.0/8'] });
    expect(resolvedAddressProblem('localhost', '127.0.0.1', 4001, loopback)).toBeUndefined();
    expect(resolvedAddressProblem('localhost', '127.0.0.1', 5432, loopback)).toBe("localhost resolves to 127.0.0.1: port 5432 is the platform's Postgres");
  });

  it('names a URL without its credentials or query in messages', () => {
    expect(safeUrl('https://user:pa55@hooks.x.com/services/T/B?token=abc#frag')).toBe('https://hooks.x.com/services/T/B');
    const problem = urlProblem('https://user:pa55@hooks.x.com/services/T/B?token=abc', rules());
    expect(problem).toBe("hooks.x.com is not in the binding's egress hosts");
  });
});

describe('the rules of a binding', () => {
  it("lets a local service reach its own endpoints on loopback only on the binding's ports", () => {
    const local = binding('local', { localPorts: { from: 4000, to: 4099 } });
    const own = ['http://127.0.0.1:4001', 'http://[::1]:4002', 'http://127.0.0.1:5000', 'http://10.0.0.1:4003', 'http://localhost:4004'];
    const granted = egressRulesFor(local, [5432], own);
    expect(granted.ownOrigins).toEqual(['http://127.0.0.1:4001', 'http://[::1]:4002']);
    expect(urlProblem('http://127.0.0.1:4001/healthz', granted)).toBeUndefined();
    expect(urlProblem('http://127.0.0.1:5000/', granted)).toBe("127.0.0.1 is not in the binding's egress CIDRs");
    expect(urlProblem('http://127.0.0.1:4005/', granted)).toBe("127.0.0.1 is not in the binding's egress CIDRs");
    // Not even its own range makes a platform port reachable.
    const overlapping = egressRulesFor(binding('local', { localPorts: { from: 5000, to: 6000 } }), [5432], ['http://127.0.0.1:5432']);
    expect(urlProblem('http://127.0.0.1:5432/', overlapping)).toBe("port 5432 is the platform's Postgres (on 127.0.0.1)");
  });

  it("lets a Kubernetes service reach the Services of its bound namespaces, and the binding's hosts and CIDRs", () => {
    const kube = binding('kubernetes', { namespaces: ['shop'], egress: { hosts: ['*.example.com'], cidrs: ['10.0.0.0/8'] } });
    const granted = egressRulesFor(kube, [5432], ['http://web-preview.shop.svc.cluster.local:8080', 'http://web.other.svc.cluster.local:8080']);
    expect(urlProblem('http://web-preview.shop.svc.cluster.local:8080/healthz', granted)).toBeUndefined();
    expect(urlProblem('http://prometheus.shop.svc.cluster.local:9090/', granted)).toBeUndefined();
    expect(urlProblem('http://web.other.svc.cluster.local:8080/', granted)).toBe("web.other.svc.cluster.local is not in the binding's egress hosts");
    expect(urlProblem('https://metrics.example.com/', granted)).toBeUndefined();
    expect(urlProblem('http://10.3.3.3/', granted)).toBeUndefined();
    expect(urlProblem('http://172.16.0.1/', granted)).toBe("172.16.0.1 is not in the binding's egress CIDRs");
    expect(granted.platformPorts).toEqual([5432]);
  });
});
