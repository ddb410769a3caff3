import { describe, expect, it } from 'vitest';
import { parseRequestUrl, parseSource, RequestError } from '../../src/simulate/request.js';

describe('--from', () => {
  it('a namespace alone, or with pod labels (keys may carry a prefix)', () => {
    expect(parseSource('mytest')).toEqual({ namespace: 'mytest', labels: {} });
    expect(parseSource('mytest/app=sleep-a,app.kubernetes.io/version=v1', 'sleep')).toEqual({
      namespace: 'mytest',
      labels: { app: 'sleep-a', 'app.kubernetes.io/version': 'v1' },
      serviceAccount: 'sleep',
    });
  });

  it.each([
    ['MyTest', /is not a namespace name/],
    ['', /is not a namespace name/],
    ['mytest/app', /"app" is not a label/],
    ['mytest/app=a,,b=c', /"" is not a label/],
    ['mytest/app=a b', /is not a label/],
    ['mytest/app=a,app=b', /label "app" is given twice/],
  ])('rejects %j', (text, message) => {
    expect(() => parseSource(text)).toThrow(RequestError);
    expect(() => parseSource(text)).toThrow(message);
  });

  it('rejects a service account that is not a name', () => {
    expect(() => parseSource('mytest', 'Sleep Account')).toThrow(/--service-account/);
  });
});

describe('--url', () => {
  it('http:// is plaintext HTTP from the app, default port 80, path kept', () => {
    expect(parseRequestUrl('http://HTTPBIN.org/anything?x=1', 'post')).toEqual({
      scheme: 'http',
      host: 'httpbin.org',
      port: 80,
      path: '/anything',
      method: 'POST',
      url: 'http://httpbin.org/anything',
    });
  });

  it('https:// is TLS from the app (no path visible), default port 443; tcp:// needs a port', () => {
    expect(parseRequestUrl('https://www.httpbin.org/get')).toMatchObject({
      scheme: 'https',
      port: 443,
      path: '/',
      url: 'https://www.httpbin.org',
    });
    expect(parseRequestUrl('https://a.example.com:8443')).toMatchObject({
      port: 8443,
      url: 'https://a.example.com:8443',
    });
    expect(parseRequestUrl('tcp://db.example.com:5432')).toMatchObject({
      scheme: 'tcp',
      port: 5432,
    });
    expect(() => parseRequestUrl('tcp://db.example.com')).toThrow(/tcp:\/\/ needs a port/);
  });

  it.each([
    ['httpbin.org', /is not a URL/],
    ['ftp://httpbin.org', /scheme "ftp" is not supported/],
    ['tcp://10.0.0.1.5:3128', /needs a host name or an IP address/],
    ['http://user:pw@httpbin.org/', /credentials/],
  ])('rejects %j', (text, message) => {
    expect(() => parseRequestUrl(text)).toThrow(message);
  });

  it('an IP address is a destination too (an HTTP proxy, a CIDR range of a ServiceEntry)', () => {
    expect(parseRequestUrl('tcp://10.0.0.5:3128')).toEqual({
      scheme: 'tcp',
      host: '10.0.0.5',
      ip: '10.0.0.5',
      port: 3128,
      path: '/',
      method: 'GET',
      url: 'tcp://10.0.0.5:3128',
    });
    expect(parseRequestUrl('http://[2001:DB8::1]:8080/x')).toMatchObject({
      host: '2001:db8::1',
      ip: '2001:db8::1',
      url: 'http://[2001:db8::1]:8080/x',
    });
  });

  it('rejects a method that is not one', () => {
    expect(() => parseRequestUrl('http://a.example.com', 'GE T')).toThrow(/--method/);
  });
});
