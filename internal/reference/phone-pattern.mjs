// phone-pattern.mjs: a tiny regular-expression automaton for the number
// patterns in libphonenumber's metadata, which use only digits, \d,
// [classes], (?:groups), |, ? and {n} or {n,m}. gen-phone-table.mjs uses it
// to list the valid starts of numbers, gen-phone-cases.mjs to make random
// numbers that match a pattern.

export const MAX_LEN = 17 // longest national number in the metadata

export function parse(src) {
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
export class NFA {
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
export function starts(pattern, k) {
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


// randomMatch returns a random string of len digits that pattern matches,
// or null if there is none; rand returns numbers in [0, 1).
export function randomMatch(pattern, len, rand) {
	const nfa = new NFA()
	const [start, accept] = nfa.build(parse(pattern))
	const n = nfa.eps.length
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
	// Walk: from the current state, follow epsilon edges at random while
	// keeping the remaining length reachable, then take a digit edge.
	let s = start, out = ''
	for (let rem = len; ;) {
		if (!(fin[s] & (1 << rem))) return null
		if (rem === 0 && s === accept) return out
		const moves = []
		for (const t of nfa.eps[s]) if (fin[t] & (1 << rem)) moves.push(['', t])
		if (rem > 0) {
			for (const [m, t] of nfa.edges[s]) {
				if (!(fin[t] & (1 << (rem - 1)))) continue
				for (let d = 0; d < 10; d++) if (m & (1 << d)) moves.push([String(d), t])
			}
		}
		if (moves.length === 0) return null
		const [d, t] = moves[Math.floor(rand() * moves.length)]
		out += d
		if (d) rem--
		s = t
	}
}

