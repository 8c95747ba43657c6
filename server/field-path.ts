/**
 * The segments of a Kubernetes field path (as a 422's causes name fields), for finding the
 * spot in a YAML document: `spec.http[0].match[1].headers[end-user]` →
 * ['spec', 'http', 0, 'match', 1, 'headers', 'end-user']. Numbers in brackets are list
 * indexes; anything else in brackets is a map key. A leaf module: the embedded API's
 * validation and the deck's apply both use it.
 */
export function fieldPathSegments(field: string): Array<string | number> {
  const out: Array<string | number> = [];
  const re = /([^.[\]]+)|\[([^\]]*)\]/g;
  for (let m; (m = re.exec(field)); ) {
    if (m[1] !== undefined) out.push(m[1]);
    else out.push(/^\d+$/.test(m[2]) ? Number(m[2]) : m[2]);
  }
  return out;
}
