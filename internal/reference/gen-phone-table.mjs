// gen-phone-table.mjs writes redact/detect/phone_table.go, the phone
// detector's table, from the metadata of libphonenumber-js (which carries
// Google's libphonenumber metadata in a compact form).
//
// Run from the module root, after `npm ci` in internal/reference:
//
//	node internal/reference/gen-phone-table.mjs && gofmt -w redact/detect/phone_table.go
//
// For every country calling code the table holds the possible lengths of
// the national number and, per length, the digits a valid national number
// starts with. For the national forms the detector knows (GB, IE, FR, DE and the
// North American plan) it holds, per length, the valid two-digit starts
// (for the North American plan, the area code and the first digit of
// the exchange code). The starts are
// computed exactly from the number-type patterns the metadata gives for
// each region (fixed line, mobile, toll free, …): each pattern is compiled
// to a small automaton, and a start is valid when some number of that
// length that matches one of the patterns begins with it.

import fs from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { createRequire } from 'node:module'
import { Metadata } from 'libphonenumber-js/core'

const require = createRequire(import.meta.url)
const metadata = require('libphonenumber-js/metadata.max.json')
const pkg = require('libphonenumber-js/package.json')

const here = path.dirname(fileURLToPath(import.meta.url))
const out = path.join(here, '..', '..', 'redact', 'detect', 'phone_table.go')

const TYPES = ['FIXED_LINE', 'MOBILE', 'TOLL_FREE', 'PREMIUM_RATE', 'PERSONAL_NUMBER',
	'VOICEMAIL', 'UAN', 'PAGER', 'VOIP', 'SHARED_COST']

// The national forms, and the lengths of national number (trunk 0 left
// out) the detector accepts for them. Shorter numbers are too like other
// digit runs to be told apart without context.
const NATIONAL = { GB: [9, 10], IE: [8, 9], FR: [9], DE: [8, 9, 10, 11, 12, 13] }
const MAX_LEN = 17 // longest national number in the metadata

// ---- A tiny regular-expression automaton for libphonenumber's patterns:
// digits, \d, [classes], (?:groups), |, ?, {n} and {n,m}.

function parse(src) {
	let i = 0
	function alt() {
		const branches = [seq()]
		while (src[i] === '|') { i++; branches.push(seq()) }
		return branches.length === 1 ? branches[0] : { t: 'alt', branches }
	}
	function seq() {
		const items = []
		while (i < src.length && src[i] !== '|' && src[i] !== ')') {
			let a = atom()
			for (;;) {
				if (src[i] === '?') { i++; a = { t: 'rep', a, min: 0, max: 1 } }
				else if (src[i] === '{') {
					const j = src.indexOf('}', i)
					const [lo, hi] = src.slice(i + 1, j).split(',')
					a = { t: 'rep', a, min: +lo, max: hi === undefined ? +lo : +hi }
					i = j + 1
				} else break
			}
			items.push(a)
		}
		return { t: 'seq', items }
	}
	function atom() {
		const c = src[i]
		if (c === '(') {
			if (src.slice(i, i + 3) !== '(?:') throw new Error('unsupported group in ' + src)
			i += 3
			const a = alt()
			if (src[i++] !== ')') throw new Error('unbalanced ' + src)
			return a
		}
		if (c === '\\') {
			if (src[i + 1] !== 'd') throw new Error('unsupported escape in ' + src)
			i += 2
			return { t: 'set', m: 0x3ff }
		}
		if (c === '[') {
			let m = 0
			i++
			while (src[i] !== ']') {
				let lo = src[i]
				if (lo === '\\' && src[i + 1] === 'd') { m |= 0x3ff; i += 2; continue }
				let hi = lo
				if (src[i + 1] === '-' && src[i + 2] !== ']') { hi = src[i + 2]; i += 3 } else i++
				for (let d = +lo; d <= +hi; d++) m |= 1 << d
			}
			i++
			return { t: 'set', m }
		}
		if (c >= '0' && c <= '9') { i++; return { t: 'set', m: 1 << +c } }
		throw new Error(`unsupported ${c} in ${src}`)
	}
	const r = alt()
	if (i !== src.length) throw new Error('trailing input in ' + src)
	return r
}

// An automaton: states with epsilon edges and digit edges (a mask of the
// ten digits).
class NFA {
	constructor() { this.eps = []; this.edges = [] }
	state() { this.eps.push([]); this.edges.push([]); return this.eps.length - 1 }
	// build adds node between fresh states and returns [in, out].
	build(n) {
		const a = this.state(), b = this.state()
		switch (n.t) {
			case 'set': this.edges[a].push([n.m, b]); break
			case 'seq': {
				let cur = a
				for (const it of n.items) { const [x, y] = this.build(it); this.eps[cur].push(x); cur = y }
				this.eps[cur].push(b)
				break
			}
			case 'alt':
				for (const br of n.branches) { const [x, y] = this.build(br); this.eps[a].push(x); this.eps[y].push(b) }
				break
			case 'rep': {
				let cur = a
				for (let k = 0; k < n.max; k++) {
					const [x, y] = this.build(n.a)
					this.eps[cur].push(x)
					if (k >= n.min) this.eps[cur].push(b)
					cur = y
				}
				this.eps[cur].push(b)
				break
			}
		}
		return [a, b]
	}
}

// starts returns, for a pattern, a map from length to the set of k-digit
// starts (as numbers) of the strings of that length it matches.
function starts(pattern, k) {
	const nfa = new NFA()
	const [start, accept] = nfa.build(parse(pattern))
	const n = nfa.eps.length
	// fin[s]: bit r when s reaches the accepting state on exactly r digits.
	const fin = new Array(n).fill(0)
	fin[accept] = 1
	for (let changed = true; changed;) {
		changed = false
		for (let s = 0; s < n; s++) {
			let f = fin[s]
			for (const t of nfa.eps[s]) f |= fin[t]
			for (const [, t] of nfa.edges[s]) f |= (fin[t] << 1) & ((1 << (MAX_LEN + 1)) - 1)
			if (f !== fin[s]) { fin[s] = f; changed = true }
		}
	}
	const closure = (set) => {
		const seen = new Set(set), stack = [...set]
		while (stack.length) for (const t of nfa.eps[stack.pop()]) if (!seen.has(t)) { seen.add(t); stack.push(t) }
		return seen
	}
	const step = (set, d) => {
		const next = []
		for (const s of set) for (const [m, t] of nfa.edges[s]) if (m & (1 << d)) next.push(t)
		return closure(next)
	}
	const res = new Map()
	const walk = (set, prefix, depth) => {
		if (set.size === 0) return
		if (depth === k) {
			let f = 0
			for (const s of set) f |= fin[s]
			for (let r = 0; r <= MAX_LEN - k; r++) {
				if (f & (1 << r)) {
					if (!res.has(r + k)) res.set(r + k, new Set())
					res.get(r + k).add(prefix)
				}
			}
			return
		}
		for (let d = 0; d < 10; d++) walk(step(set, d), prefix * 10 + d, depth + 1)
	}
	walk(closure([start]), 0, 0)
	return res
}

// typeStarts merges starts() over the number types of the selected plan.
function typeStarts(m, k) {
	const res = new Map()
	for (const t of TYPES) {
		const ty = m.numberingPlan.type(t)
		if (!ty) continue
		for (const [len, set] of starts(ty.pattern(), k)) {
			if (!res.has(len)) res.set(len, new Set())
			for (const p of set) res.get(len).add(p)
		}
	}
	return res
}

const m = new Metadata(metadata)

// Calling codes: per length of national number, the digits a valid one
// starts with, over every region (and non-geographic plan) sharing the code.
const cc = new Map() // code -> array of first-digit masks, by length
const regions = [...m.getCountries(), ...Object.keys(metadata.nonGeographic).map((c) => '+' + c)]
for (const sel of regions) {
	m.selectNumberingPlan(sel.replace('+', ''))
	const code = +m.numberingPlan.callingCode()
	if (code >= 1000) throw new Error(`calling code ${code} has more than three digits`)
	const e = cc.get(code) || new Array(MAX_LEN + 1).fill(0)
	for (const [len, set] of typeStarts(m, 1)) for (const d of set) e[len] |= 1 << d
	cc.set(code, e)
}

// National plans.
const hex = (n) => '0x' + n.toString(16).padStart(16, '0')
const bits = (set, words) => {
	const w = new Array(words).fill(0n)
	for (const p of set) w[p >> 6] |= 1n << BigInt(p & 63)
	return w.map((x) => '0x' + x.toString(16).padStart(16, '0'))
}
const national = []
for (const [region, lens] of Object.entries(NATIONAL)) {
	m.selectNumberingPlan(region)
	if (m.numberingPlan.nationalPrefix() !== '0') throw new Error(`${region}: national prefix is not 0`)
	const st = typeStarts(m, 2)
	for (const l of lens) {
		if (!st.has(l)) continue
		national.push({ region, len: l, lead: bits(st.get(l), 2) })
	}
}

// The North American plan: over every +1 region, the valid four-digit
// starts of a ten-digit number, an area code and the first digit of an
// exchange code.
const nanp = new Set()
for (const region of metadata.country_calling_codes['1']) {
	m.selectNumberingPlan(region)
	for (const p of typeStarts(m, 4).get(10) || []) nanp.add(p)
}

// ---- Write the Go file.
let g = ''
g += `// Code generated by internal/reference/gen-phone-table.mjs; DO NOT EDIT.\n`
g += `//\n`
g += `// Source: libphonenumber-js ${pkg.version} (metadata.max.json, metadata version ${metadata.version}),\n`
g += `// MIT licence, Copyright (c) 2016 @catamphetamine; its metadata is derived\n`
g += `// from Google's libphonenumber, Apache License 2.0.\n`
g += `//\n`
g += `// Regenerate, from the module root, after npm ci in internal/reference:\n`
g += `//\n`
g += `//	node internal/reference/gen-phone-table.mjs && gofmt -w redact/detect/phone_table.go\n\n`
g += `package detect\n\n`
g += `// phoneCC maps each country calling code (the array index; calling codes\n`
g += `// are prefix-free, so 1-, 2- and 3-digit codes never share an index) to\n`
g += `// its row in phoneLead. Zero: not a calling code.\n`
g += `var phoneCC = [1000]uint8{\n`
const codes = [...cc.keys()].sort((a, b) => a - b)
if (codes.length > 255) throw new Error('too many calling codes for a uint8 index')
codes.forEach((code, k) => { g += `\t${code}: ${k + 1},\n` })
g += `}\n\n`
g += `// phoneLead holds, for a calling code and a length n of national number,\n`
g += `// the digits a valid national number of n digits starts with: bit d for\n`
g += `// the digit d. Zero: no number of that length.\n`
g += `var phoneLead = [${codes.length + 1}][${MAX_LEN + 1}]uint16{\n\t{},\n`
for (const code of codes) g += `\t{${cc.get(code).map((v) => '0x' + v.toString(16)).join(', ')}}, // +${code}\n`
g += `}\n\n`
g += `// phoneNational holds the national forms the detector knows, written with\n`
g += `// the trunk prefix 0: per region and length of the national number (the 0\n`
g += `// left out), a bit set of its valid two-digit starts (bit 10*a+b for ab).\n`
g += `var phoneNational = [...]phoneNationalLen{\n`
for (const n of national) g += `\t{${JSON.stringify(n.region)}, ${n.len}, [2]uint64{${n.lead.join(', ')}}},\n`
g += `}\n\n`
g += `// nanpStart is the set of valid starts of a number in the North American\n`
g += `// numbering plan (+1): bit n for the area code and first exchange digit n.\n`
g += `var nanpStart = [157]uint64{\n`
const aw = bits(nanp, 157)
for (let k = 0; k < 157; k += 4) g += `\t${aw.slice(k, k + 4).join(', ')},\n`
g += `}\n`

fs.writeFileSync(out, g)
console.log(`wrote ${out}: ${cc.size} calling codes, ${national.length} national lengths, ${nanp.size} North American starts`)
