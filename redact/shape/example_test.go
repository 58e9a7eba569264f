package shape_test

import (
	"fmt"

	"github.com/caddy-privacy/caddy-privacy/redact/shape"
)

func ExampleOf() {
	for _, v := range []string{
		"enrolments", "red-wool-jumper", "2024-01-05", "en-GB", "logo@2x.png", "113901",
		"48213377", "2461685a-80c9-4d9e-85e9-a3b0e9e3ea84", "Gq2xK9mPqRt4LwZ8",
		"jane@example.com", "call me on 07700 900123",
	} {
		fmt.Printf("%-38s %v\n", v, shape.Of([]byte(v)))
	}
	// Output:
	// enrolments                             harmless
	// red-wool-jumper                        harmless
	// 2024-01-05                             harmless
	// en-GB                                  harmless
	// logo@2x.png                            harmless
	// 113901                                 harmless
	// 48213377                               id
	// 2461685a-80c9-4d9e-85e9-a3b0e9e3ea84   id
	// Gq2xK9mPqRt4LwZ8                       id
	// jane@example.com                       email
	// call me on 07700 900123                text
}
