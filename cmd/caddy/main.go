// Command caddy is Caddy with its standard modules and caddy-privacy's.
//
// It is the same binary xcaddy builds with
//
//	xcaddy build --with github.com/caddy-privacy/caddy-privacy
package main

import (
	caddycmd "github.com/caddyserver/caddy/v2/cmd"

	_ "github.com/caddy-privacy/caddy-privacy/caddymodule"
	_ "github.com/caddyserver/caddy/v2/modules/standard"
)

func main() {
	caddycmd.Main()
}
