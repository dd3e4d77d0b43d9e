import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../shared/config.js';
import { grantedOrigin, parseAllowedOrigins } from '../../shared/request/cors.js';

describe('the allowed browser origins (corsAllowedOrigins, CORS_ALLOWED_ORIGINS)', () => {
  it('reads exact origins and the https://* / http://* prefix forms, from a list or one comma-separated string', () => {
    const problems: string[] = [];
    expect(parseAllowedOrigins(['https://signup.partner.example', 'http://localhost:5173'], problems)).toEqual([
      'https://signup.partner.example',
      'http://localhost:5173',
    ]);
    expect(parseAllowedOrigins(' https://a.example , https://*,,https://a.example ', problems)).toEqual(['https://a.example', 'https://*']);
    expect(parseAllowedOrigins(undefined, problems)).toEqual([]);
    expect(problems).toEqual([]);
  });

  it.each(['*', 'https://a.example/', 'https://a.example/page', 'ftp://a.example', 'a.example', 'https://*.example.com'])(
    'refuses %s, naming it',
    (entry) => {
      const problems: string[] = [];
      expect(parseAllowedOrigins(entry, problems)).toEqual([]);
      expect(problems).toEqual([expect.stringContaining(`"${entry}"`)]);
    },
  );

  it('grants an origin listed exactly, or of a scheme listed in its prefix form, and nothing else', () => {
    const allowed = ['https://signup.partner.example', 'http://*'];
    expect(grantedOrigin('https://signup.partner.example', allowed)).toBe('https://signup.partner.example');
    expect(grantedOrigin('http://127.0.0.1:8080', allowed)).toBe('http://127.0.0.1:8080');
    for (const origin of [undefined, '', 'null', 'https://evil.example', 'https://signup.partner.example:8443', 'http://', 'http://a.example/x'])
      expect(grantedOrigin(origin, allowed), String(origin)).toBeUndefined();
  });

  it('stops a cold start that is given a bad origin, as it does for any bad setting', () => {
    expect(() => loadConfig({ STAGE: 'local', CORS_ALLOWED_ORIGINS: 'https://ok.example,*' })).toThrow(/CORS_ALLOWED_ORIGINS: "\*"/);
    expect(loadConfig({ STAGE: 'local', CORS_ALLOWED_ORIGINS: 'https://ok.example' }).corsAllowedOrigins).toEqual(['https://ok.example']);
    expect(loadConfig({ STAGE: 'local' }).corsAllowedOrigins).toEqual([]);
  });
});
