/**
 * Whether text is an IP address, with node:net's isIP answers (which has no browser
 * counterpart): IPv4 as four decimal octets without leading zeros, IPv6 in any of its
 * compressed forms (an IPv4 tail and a `%zone` allowed). The patterns are node:net's own.
 */

const V4_OCTET = '(?:25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9][0-9]|[0-9])';
const V4 = `(?:${V4_OCTET}\\.){3}${V4_OCTET}`;
const V6_GROUP = '(?:[0-9a-fA-F]{1,4})';

const IPV4 = new RegExp(`^${V4}$`);
const IPV6 = new RegExp(
  '^(?:' +
    `(?:${V6_GROUP}:){7}(?:${V6_GROUP}|:)|` +
    `(?:${V6_GROUP}:){6}(?:${V4}|:${V6_GROUP}|:)|` +
    `(?:${V6_GROUP}:){5}(?::${V4}|(?::${V6_GROUP}){1,2}|:)|` +
    `(?:${V6_GROUP}:){4}(?:(?::${V6_GROUP}){0,1}:${V4}|(?::${V6_GROUP}){1,3}|:)|` +
    `(?:${V6_GROUP}:){3}(?:(?::${V6_GROUP}){0,2}:${V4}|(?::${V6_GROUP}){1,4}|:)|` +
    `(?:${V6_GROUP}:){2}(?:(?::${V6_GROUP}){0,3}:${V4}|(?::${V6_GROUP}){1,5}|:)|` +
    `(?:${V6_GROUP}:){1}(?:(?::${V6_GROUP}){0,4}:${V4}|(?::${V6_GROUP}){1,6}|:)|` +
    `(?::(?:(?::${V6_GROUP}){0,5}:${V4}|(?::${V6_GROUP}){1,7}|:))` +
    ')(?:%[0-9a-zA-Z-.:]{1,})?$',
);

/** 4, 6, or 0 when `text` is no IP address: node:net's isIP. */
export function ipVersion(text: string): 0 | 4 | 6 {
  if (IPV4.test(text)) return 4;
  return IPV6.test(text) ? 6 : 0;
}
