// gen-gpp.mjs writes consent/testdata/gpp.jsonl: IAB Global Privacy
// Platform strings made by the IAB's reference encoder @iabgpp/cmpapi, each
// with the consent decision expected of format gpp, computed here from the
// field values the string was made from (never by decoding it). The output
// is committed, so the Go test (TestGPPReference) needs no node; `make
// reference` checks that it is what this script writes today.
//
// Run from the module root, after `npm ci` in internal/reference:
//
//	node internal/reference/gen-gpp.mjs
//
// Cases: random combinations of the tcfeuv2, uspv1, usnat and US state
// sections (8 to 23), with random field values (biased so that every
// outcome is common), GPC sub-sections present or not, and a __gpp_sid
// absent, listing some of the sections, or "-1"; then damaged strings that
// must be unreadable: an unknown section (tcfcav1, usmd, usin, usky, usri),
// a section removed or blank, a character outside base64url, a header of
// another version, a US section cut short, a 2-bit field set to 3, an
// applicable id the string does not carry. The random generator has a
// fixed seed, so the file is the same on every run.
//
// The rules (consent/gpp.go has the reasons): the decision is the
// intersection over the applicable sections; tcfeuv2 grants as format tcf
// (purpose 1 and: 5, 6 functional; 8 analytics; 2, 3, 4, 7 marketing;
// nothing with PurposeOneTreatment); a US section grants functional and
// analytics, marketing only when each of its sale, sharing and targeted
// advertising opt-outs has notice 1 and opt-out 2, and a GPC sub-section
// with Gpc set denies analytics and marketing (the default GPC policy);
// uspv1 grants functional and analytics, marketing with Notice Y and
// OptOutSale N.

import fs from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import * as gpp from '@iabgpp/cmpapi'
import { mulberry32 } from './rand.mjs'

const { GppModel } = gpp
const here = path.dirname(fileURLToPath(import.meta.url))
const out = path.join(here, '..', '..', 'consent', 'testdata', 'gpp.jsonl')

const rand = mulberry32(0x6770)
const int = (n) => Math.floor(rand() * n)
const pick = (a) => a[int(a.length)]
const chance = (p) => rand() < p

const ids = { tcfeuv2: 2, uspv1: 6, usnat: 7 }
const states = ['usca', 'usva', 'usco', 'usut', 'usct', 'usfl', 'usmt', 'usor', 'ustx', 'usde', 'usia', 'usne', 'usnh', 'usnj', 'ustn', 'usmn']
states.forEach((s, i) => { ids[s] = 8 + i })
const unknown = { tcfcav1: 5, usmd: 24, usin: 25, usky: 26, usri: 27 }
const usSections = ['usnat', ...states]
const known = ['tcfeuv2', 'uspv1', ...usSections]

const NECESSARY = 1, FUNCTIONAL = 2, ANALYTICS = 4, MARKETING = 8, ALL = 15
const names = ['necessary', 'functional', 'analytics', 'marketing']
const setString = (s) => names.filter((_, i) => s & (1 << i)).join(',')

// The library spells some of its field lists USXX_, others UsXx_.
const fieldList = (name, seg) => gpp[name.toUpperCase() + seg] ?? gpp['Us' + name.slice(2, 3).toUpperCase() + name.slice(3) + seg]
const coreFields = (name) => fieldList(name, '_CORE_SEGMENT_FIELD_NAMES')
const hasGpc = (name) => fieldList(name, '_GPC_SEGMENT_FIELD_NAMES') !== undefined
for (const s of usSections) if (!coreFields(s)) throw new Error('no field list for ' + s)

const pairs = [
	['SaleOptOutNotice', 'SaleOptOut'],
	['SharingOptOutNotice', 'SharingOptOut'],
	['TargetedAdvertisingOptOutNotice', 'TargetedAdvertisingOptOut'],
]

// fillUS sets every 2-bit field of a US section and returns what the
// section grants.
function fillUS(m, name) {
	const fields = coreFields(name)
	const informed = chance(0.55) // every opt-out with notice 1, opt-out 2
	for (const f of fields) {
		if (f === 'Version' || f === 'MspaVersion') continue
		const cur = m.getFieldValue(name, f)
		if (Array.isArray(cur)) {
			m.setFieldValue(name, f, cur.map(() => int(3)))
		} else if (f === 'MspaCoveredTransaction') {
			m.setFieldValue(name, f, 1 + int(2))
		} else {
			m.setFieldValue(name, f, int(3))
		}
	}
	for (const [n, o] of pairs) {
		if (!fields.includes(o)) continue
		if (informed && chance(0.85)) {
			m.setFieldValue(name, n, 1)
			m.setFieldValue(name, o, 2)
		}
	}
	let s = NECESSARY | FUNCTIONAL | ANALYTICS | MARKETING
	for (const [n, o] of pairs) {
		if (!fields.includes(o)) continue
		if (m.getFieldValue(name, n) !== 1 || m.getFieldValue(name, o) !== 2) s &= ~MARKETING
	}
	if (hasGpc(name)) {
		const included = chance(0.6)
		m.setFieldValue(name, 'GpcSegmentIncluded', included)
		const on = chance(0.3)
		m.setFieldValue(name, 'Gpc', on)
		if (included && on) s &= ~(ANALYTICS | MARKETING)
	}
	return s
}

function fillUSP(m) {
	const c = () => pick(['Y', 'N', '-'])
	const notice = chance(0.6) ? 'Y' : c()
	const sale = chance(0.6) ? 'N' : c()
	m.setFieldValue('uspv1', 'Notice', notice)
	m.setFieldValue('uspv1', 'OptOutSale', sale)
	m.setFieldValue('uspv1', 'LspaCovered', c())
	return NECESSARY | FUNCTIONAL | ANALYTICS | (notice === 'Y' && sale === 'N' ? MARKETING : 0)
}

const vendorIds = (max) => {
	const n = int(12)
	const v = new Set()
	for (let i = 0; i < n; i++) v.add(1 + int(max))
	if (chance(0.3)) { const a = 1 + int(max); for (let i = a; i < a + 1 + int(60); i++) v.add(i) }
	return [...v].sort((a, b) => a - b)
}

function fillTCF(m) {
	const all = chance(0.35)
	const p = Array.from({ length: 24 }, (_, i) => (i < 11 && all && chance(0.93)) || chance(0.3))
	const p1t = chance(0.08)
	m.setFieldValue('tcfeuv2', 'PurposeConsents', p)
	m.setFieldValue('tcfeuv2', 'PurposeLegitimateInterests', Array.from({ length: 24 }, () => chance(0.5)))
	m.setFieldValue('tcfeuv2', 'PurposeOneTreatment', p1t)
	m.setFieldValue('tcfeuv2', 'SpecialFeatureOptins', Array.from({ length: 12 }, () => chance(0.3)))
	m.setFieldValue('tcfeuv2', 'VendorConsents', vendorIds(chance(0.5) ? 80 : 1200))
	m.setFieldValue('tcfeuv2', 'VendorLegitimateInterests', vendorIds(300))
	// Fixed dates: the encoder's default is the time of the run.
	const when = new Date(Date.UTC(2025, int(12), 1 + int(28), int(24)))
	m.setFieldValue('tcfeuv2', 'Created', when)
	m.setFieldValue('tcfeuv2', 'LastUpdated', when)
	m.setFieldValue('tcfeuv2', 'CmpId', 1 + int(400))
	m.setFieldValue('tcfeuv2', 'VendorListVersion', 1 + int(200))
	m.setFieldValue('tcfeuv2', 'PublisherCountryCode', pick(['DE', 'FR', 'GB', 'IE', 'AA']))
	if (chance(0.4)) m.setFieldValue('tcfeuv2', 'VendorsDisclosed', vendorIds(900))
	if (chance(0.3)) m.setFieldValue('tcfeuv2', 'PublisherConsents', Array.from({ length: 24 }, () => chance(0.5)))
	if (p1t) return NECESSARY
	const has = (...ids) => ids.every((id) => p[id - 1])
	return NECESSARY |
		(has(1, 5, 6) ? FUNCTIONAL : 0) |
		(has(1, 8) ? ANALYTICS : 0) |
		(has(1, 2, 3, 4, 7) ? MARKETING : 0)
}

const fill = (m, name) => name === 'tcfeuv2' ? fillTCF(m) : name === 'uspv1' ? fillUSP(m) : fillUS(m, name)

// sample draws k distinct elements of a.
function sample(a, k) {
	const c = [...a]
	for (let i = c.length - 1; i > 0; i--) { const j = int(i + 1); [c[i], c[j]] = [c[j], c[i]] }
	return c.slice(0, k)
}

const cases = []
const add = (note, gppString, sid, want, readable) => cases.push({ note, gpp: gppString, sid, want: setString(readable ? want : NECESSARY), readable })

// makeString returns a model with the given sections filled, its string,
// and what each section grants.
function makeString(secs) {
	const m = new GppModel()
	const grants = {}
	for (const s of secs) grants[s] = fill(m, s)
	return { m, str: m.encode(), grants }
}

// Readable strings.
for (let i = 0; i < 900; i++) {
	const k = pick([1, 1, 1, 2, 2, 3, 4])
	const pool = chance(0.5) ? ['tcfeuv2', 'uspv1', 'usnat', 'usnat', 'usca', ...sample(states, 2)] : known
	const secs = [...new Set(sample(pool, k))]
	const { str, grants } = makeString(secs)
	let applicable = secs, sid = ''
	const r = rand()
	if (r < 0.35 && secs.length > 0) {
		applicable = sample(secs, 1 + int(secs.length))
		sid = applicable.map((s) => ids[s]).sort((a, b) => a - b).join(chance(0.8) ? ',' : '_')
	} else if (r < 0.4) {
		applicable = []
		sid = '-1'
	}
	let want = applicable.length === 0 ? NECESSARY : ALL
	for (const s of applicable) want &= grants[s]
	add(secs.join('+') + (sid ? ' sid ' + sid : ''), str, sid, want, true)
}

// Damaged strings: unreadable whatever the sections say.
for (let i = 0; i < 220; i++) {
	const secs = [...new Set(sample(known, 1 + int(3)))]
	const kind = i % 9
	const m = new GppModel()
	for (const s of secs) fill(m, s)
	let str, sid = '', note
	switch (kind) {
	case 0: { // an unknown section beside known ones
		const u = pick(Object.keys(unknown))
		if (u === 'tcfcav1') {
			m.setFieldValue('tcfcav1', 'PurposesExpressConsent', Array.from({ length: 24 }, () => chance(0.5)))
			m.setFieldValue('tcfcav1', 'Created', new Date(Date.UTC(2025, 5, 1)))
			m.setFieldValue('tcfcav1', 'LastUpdated', new Date(Date.UTC(2025, 5, 1)))
		} else {
			m.setFieldValue(u, 'MspaCoveredTransaction', 1 + int(2))
		}
		str = m.encode()
		// Even when __gpp_sid names only the known ones.
		if (chance(0.5)) sid = secs.map((s) => ids[s]).sort((a, b) => a - b).join(',')
		note = 'unknown section ' + u + ' with ' + secs.join('+')
		break
	}
	case 1: { // a section removed: the header lists more than there are
		const parts = m.encode().split('~')
		parts.splice(1 + int(parts.length - 1), 1)
		str = parts.join('~')
		note = 'section removed from ' + secs.join('+')
		break
	}
	case 2: { // a section blank
		const parts = m.encode().split('~')
		parts[1 + int(parts.length - 1)] = ''
		str = parts.join('~')
		note = 'blank section in ' + secs.join('+')
		break
	}
	case 3: { // a character outside base64url in a base64 part
		const parts = m.encode().split('~')
		const j = pick(parts.map((p, j) => (j === 0 || secs[j - 1] !== 'uspv1') ? j : -1).filter((j) => j >= 0))
		const p = parts[j]
		const at = int(p.length)
		parts[j] = p.slice(0, at) + pick(['+', '/', '=', '!', ' ', '%', '*']) + p.slice(at + 1)
		str = parts.join('~')
		note = 'bad character in part ' + j + ' of ' + secs.join('+')
		break
	}
	case 4: { // header of another type or version
		const s = m.encode()
		str = pick(['DC', 'DA', 'CB', 'EB', 'AB']) + s.slice(2)
		note = 'header ' + str.slice(0, 2) + ' with ' + secs.join('+')
		break
	}
	case 5: { // a US section cut to half its core
		const us = pick(usSections)
		fill(m, us)
		const all = [...new Set([...secs, us])].sort((a, b) => ids[a] - ids[b])
		const parts = m.encode().split('~')
		const j = 1 + all.indexOf(us)
		const core = parts[j].split('.')[0]
		parts[j] = core.slice(0, Math.max(1, Math.floor(core.length / 2)))
		str = parts.join('~')
		note = us + ' cut short with ' + all.join('+')
		break
	}
	case 6: { // a 2-bit field set to 3, written by hand into a US section
		const us = pick(usSections)
		fill(m, us)
		const all = [...new Set([...secs, us])].sort((a, b) => ids[a] - ids[b])
		const parts = m.encode().split('~')
		const j = 1 + all.indexOf(us)
		const [core, ...subs] = parts[j].split('.')
		// bits 6..7 are the first 2-bit field: both set.
		const dict = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_'
		const c1 = dict.indexOf(core[1]) | 0b110000
		parts[j] = [core[0] + dict[c1] + core.slice(2), ...subs].join('.')
		str = parts.join('~')
		note = us + ' first field 3 with ' + all.join('+')
		break
	}
	case 7: { // __gpp_sid names a section the string lacks
		str = m.encode()
		const missing = pick(known.filter((s) => !secs.includes(s)))
		sid = [...secs.slice(0, int(secs.length)).map((s) => ids[s]), ids[missing]].join(',')
		note = 'sid ' + sid + ' for ' + secs.join('+')
		break
	}
	case 8: { // an extra sub-section, or GPC on a section that has none
		const us = pick(usSections)
		fill(m, us)
		const all = [...new Set([...secs, us])].sort((a, b) => ids[a] - ids[b])
		const parts = m.encode().split('~')
		const j = 1 + all.indexOf(us)
		parts[j] = parts[j].split('.')[0] + (hasGpc(us) ? '.QA.QA' : '.QA')
		str = parts.join('~')
		note = us + ' extra sub-section with ' + all.join('+')
		break
	}
	}
	add(note, str, sid, NECESSARY, false)
}

fs.mkdirSync(path.dirname(out), { recursive: true })
fs.writeFileSync(out, cases.map((c) => JSON.stringify(c)).join('\n') + '\n')
console.log(`${cases.length} cases → ${path.relative(process.cwd(), out)}`)
