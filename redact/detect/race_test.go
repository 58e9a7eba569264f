//go:build race

package detect

// raceEnabled makes the slowest tests smaller under the race detector,
// which slows byte loops twentyfold.
const raceEnabled = true
