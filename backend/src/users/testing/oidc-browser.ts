import { testFetch } from '../../testing/http';

/**
 * A minimal browser for single sign-on tests: a cookie jar per host:port, redirects followed one by one (so a test can
 * stop at, inspect or change any of them), and the test IdP's interaction forms (login, consent) submitted as a person
 * would. No JavaScript: oidc-provider's development interactions are plain HTML forms.
 */
export class TestBrowser {
  private readonly jar = new Map<string, Map<string, string>>();

  /** The cookies this browser holds for `url`'s host:port. */
  cookies(url: string): Map<string, string> {
    const host = new URL(url).host;
    let c = this.jar.get(host);
    if (!c) this.jar.set(host, (c = new Map()));
    return c;
  }

  /** The Cookie header value for `url`. */
  cookieHeader(url: string): string {
    return [...this.cookies(url)].map(([k, v]) => `${k}=${v}`).join('; ');
  }

  async request(url: string, init: { method?: string; form?: Record<string, string> } = {}): Promise<Response> {
    const headers: Record<string, string> = {};
    const cookie = this.cookieHeader(url);
    if (cookie) headers.cookie = cookie;
    let body: string | undefined;
    if (init.form) {
      headers['content-type'] = 'application/x-www-form-urlencoded';
      body = new URLSearchParams(init.form).toString();
    }
    const res = await testFetch(url, {
      method: init.method ?? (body ? 'POST' : 'GET'),
      headers,
      body,
      redirect: 'manual',
    });
    const jar = this.cookies(url);
    for (const line of res.headers.getSetCookie()) {
      const [pair = '', ...attrs] = line.split(';');
      const eq = pair.indexOf('=');
      const name = pair.slice(0, eq).trim();
      const value = pair.slice(eq + 1).trim();
      const expired = attrs.some((a) => /^\s*expires=Thu, 01 Jan 1970/i.test(a) || /^\s*max-age=0\s*$/i.test(a));
      if (expired || value === '') jar.delete(name);
      else jar.set(name, value);
    }
    return res;
  }
}

/** Where a response redirects to, absolute; null when it is not a redirect. */
export function locationOf(res: Response, base: string): string | null {
  const loc = res.status >= 300 && res.status < 400 ? res.headers.get('location') : null;
  return loc ? new URL(loc, base).href : null;
}

/**
 * Follows `url` through the IdP: redirects, then its login form (as `account`, any password) and consent form, until a
 * redirect leaves the IdP. Returns that redirect's target (Folio's callback URL with code and state, or with an error),
 * without visiting it. `cancel` presses the IdP's "[ Cancel ]" link at the login form instead.
 */
export async function throughIdp(
  browser: TestBrowser,
  url: string,
  idpIssuer: string,
  opts: { account: string; cancel?: boolean },
): Promise<string> {
  let next = url;
  for (let hops = 0; hops < 20; hops++) {
    if (!next.startsWith(idpIssuer)) return next;
    const res = await browser.request(next);
    const loc = locationOf(res, next);
    if (loc) {
      next = loc;
      continue;
    }
    const html = await res.text();
    if (res.status !== 200) throw new Error(`IdP answered ${res.status} at ${next}: ${html.slice(0, 500)}`);
    const action = /<form[^>]*action="([^"]+)"/.exec(html)?.[1];
    const prompt = /name="prompt" value="(\w+)"/.exec(html)?.[1];
    if (!action || !prompt) throw new Error(`No interaction form at ${next}: ${html.slice(0, 500)}`);
    if (opts.cancel) {
      const abort = /href="([^"]+)">\[ Cancel \]/.exec(html)?.[1];
      if (!abort) throw new Error('No cancel link on the IdP page');
      next = new URL(abort.replaceAll('&amp;', '&'), next).href;
      continue;
    }
    const form: Record<string, string> =
      prompt === 'login' ? { prompt, login: opts.account, password: 'any password' } : { prompt };
    const submitted = await browser.request(new URL(action, next).href, { form });
    const after = locationOf(submitted, next);
    if (!after) throw new Error(`IdP form ${prompt} did not redirect: ${submitted.status} ${await submitted.text()}`);
    next = after;
  }
  throw new Error('Too many redirects at the IdP');
}
