/**
 * The secret of a set-password link, from the URL's fragment (`#<secret>`, percent-encoded). A fragment that is not
 * valid percent-encoding (a link cut or mangled by a mail client) gives '' — the page says the link is incomplete —
 * rather than an exception.
 */
export function tokenFromFragment(hash: string): string {
  const raw = hash.replace(/^#/, '');
  try {
    return decodeURIComponent(raw).trim();
  } catch {
    return '';
  }
}
