// gen-phone-cases.mjs writes redact/detect/testdata/phones.jsonl: valid
// phone numbers for every region libphonenumber-js knows, each written in
// the forms people and libphonenumber write them, for the recall test of
// the phone detector (TestPhoneRecall). The output is committed, so the Go
// tests need no node.
//
// Run from the module root, after `npm ci` in internal/reference:
//
//	node internal/reference/gen-phone-cases.mjs
//
// The numbers are libphonenumber-js's example mobile number for the region
// and random numbers made from the region's number-type patterns (fixed
// line, mobile, toll free, …), each kept only if libphonenumber-js
// (max metadata) says it is valid for the region. The random generator has
// a fixed seed, so the file is the same on every run.
//
// Each line is one number: its region and type, and the four forms
// libphonenumber-js writes (E.164, INTERNATIONAL, NATIONAL, RFC3966). The
// Go test derives the other written forms from them (dashes or dots for
// spaces, 00 or %2B for +). More numbers are made for the regions whose
// national forms the detector knows (GB, IE, FR, DE, US and CA).

import fs from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { createRequire } from 'node:module'
import { getCountries, getExampleNumber, isValidPhoneNumber, parsePhoneNumber, Metadata } from 'libphonenumber-js/max'
import { randomMatch } from './phone-pattern.mjs'
import { mulberry32 } from './rand.mjs'

const require = createRequire(import.meta.url)
const metadata = require('libphonenumber-js/metadata.max.json')
const examples = require('libphonenumber-js/examples.mobile.json')

const here = path.dirname(fileURLToPath(import.meta.url))
const out = path.join(here, '..', '..', 'redact', 'detect', 'testdata', 'phones.jsonl')

const rand = mulberry32(20240105)
const pick = (a) => a[Math.floor(rand() * a.length)]

const TYPES = ['FIXED_LINE', 'MOBILE', 'TOLL_FREE', 'PREMIUM_RATE', 'PERSONAL_NUMBER',
	'VOICEMAIL', 'UAN', 'PAGER', 'VOIP', 'SHARED_COST']
const NATIONAL = new Set(['GB', 'IE', 'FR', 'DE', 'US', 'CA'])
const PER_REGION = 8 // numbers per region
const PER_NATIONAL = 200 // numbers per region with national forms

const m = new Metadata(metadata)

// numbers returns up to count valid national numbers of the region, with
// their types: the example mobile number first, then random ones.
function numbers(region, count) {
	m.selectNumberingPlan(region)
	const plan = m.numberingPlan
	const res = []
	const seen = new Set()
	const add = (nat, type) => {
		if (seen.has(nat) || !isValidPhoneNumber(nat, region)) return
		const p = parsePhoneNumber(nat, region)
		if (!p.isValid() || p.country !== region) return
		seen.add(nat)
		res.push([p, type])
	}
	const ex = getExampleNumber(region, examples)
	if (ex) add(ex.nationalNumber, 'MOBILE')
	const types = TYPES.map((t) => [t, plan.type(t)]).filter(([, ty]) => ty && ty.pattern())
	for (let tries = 0; res.length < count && tries < count * 50 && types.length; tries++) {
		const [t, ty] = pick(types)
		const lens = ty.possibleLengths() || plan.possibleLengths()
		const nat = randomMatch(ty.pattern(), pick(lens), rand)
		if (nat) add(nat, t)
	}
	return res
}

const lines = []
let count = 0
for (const region of getCountries()) {
	for (const [p, type] of numbers(region, NATIONAL.has(region) ? PER_NATIONAL : PER_REGION)) {
		count++
		lines.push(JSON.stringify({
			region, type,
			e164: p.format('E.164'),
			international: p.format('INTERNATIONAL'),
			national: p.format('NATIONAL'),
			rfc3966: p.format('RFC3966'),
		}))
	}
}
fs.mkdirSync(path.dirname(out), { recursive: true })
fs.writeFileSync(out, lines.join('\n') + '\n')
console.log(`wrote ${out}: ${count} numbers`)
