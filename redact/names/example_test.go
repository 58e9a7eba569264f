package names_test

import (
	"fmt"

	"github.com/caddy-privacy/caddy-privacy/redact/names"
)

func Example() {
	// Free text: a first name needs a surname or a title.
	fmt.Println(string(names.AppendRedacted(nil, []byte("Dear Siobhán Ní Bhriain, your flight to Cork"))))
	fmt.Println(string(names.AppendRedacted(nil, []byte("flights for john smith"))))
	fmt.Println(string(names.AppendRedacted(nil, []byte("Rose Gold Watch"))))

	// A search term: a first name alone counts, unless it is also a word.
	fmt.Println(string(names.AppendRedactedTerm(nil, []byte("morwenna"))))
	fmt.Println(names.ContainsName([]byte("victoria station")))
	// Output:
	// Dear [name], your flight to Cork
	// flights for [name]
	// Rose Gold Watch
	// [name]
	// false
}

func ExampleFind() {
	text := []byte("a message from Dr Tregothnan")
	if start, end, ok := names.Find(text); ok {
		fmt.Printf("%q at %d:%d\n", text[start:end], start, end)
	}
	// Output:
	// "Tregothnan" at 18:28
}
