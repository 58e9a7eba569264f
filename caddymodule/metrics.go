package caddymodule

import (
	"errors"

	"github.com/prometheus/client_golang/prometheus"
)

// metrics are the handler's counters in Caddy's Prometheus registry. Every
// label value comes from a small fixed set: never an address, cookie value
// or other identifier.
type metrics struct {
	requests *prometheus.CounterVec // decision
	cookies  *prometheus.CounterVec // category, direction
	headers  *prometheus.CounterVec // header
	embeds   *prometheus.CounterVec // outcome
}

// registerMetrics registers the counters in the config's registry; the
// handlers of one config share them.
func registerMetrics(reg *prometheus.Registry) *metrics {
	const ns, sub = "caddy", "privacy"
	return &metrics{
		requests: counterVec(reg, prometheus.CounterOpts{
			Namespace: ns, Subsystem: sub, Name: "requests_total",
			Help: "Requests by consent decision.",
		}, "decision"),
		cookies: counterVec(reg, prometheus.CounterOpts{
			Namespace: ns, Subsystem: sub, Name: "cookies_removed_total",
			Help: "Cookies removed, by consent category and direction (request or response).",
		}, "category", "direction"),
		headers: counterVec(reg, prometheus.CounterOpts{
			Namespace: ns, Subsystem: sub, Name: "headers_removed_total",
			Help: "Client-address headers removed from requests, by header.",
		}, "header"),
		embeds: counterVec(reg, prometheus.CounterOpts{
			Namespace: ns, Subsystem: sub, Name: "embeds_pages_total",
			Help: "HTML pages whose third-party embeds were checked, by outcome: rewritten (streamed through the rewriter), recoded (decoded, rewritten, encoded again) or refused (502: the page could not be decoded).",
		}, "outcome"),
	}
}

// counterVec registers a counter, or returns the one a handler of the same
// config already registered.
func counterVec(reg *prometheus.Registry, opts prometheus.CounterOpts, labels ...string) *prometheus.CounterVec {
	c := prometheus.NewCounterVec(opts, labels)
	if reg == nil {
		return c
	}
	if err := reg.Register(c); err != nil {
		var are prometheus.AlreadyRegisteredError
		if errors.As(err, &are) {
			return are.ExistingCollector.(*prometheus.CounterVec)
		}
	}
	return c
}

// headerLabel bounds the header label to the known names: a header that
// policy adds is counted as "other".
func headerLabel(canonical string) string {
	switch canonical {
	case "X-Forwarded-For", "X-Real-Ip", "Forwarded", "True-Client-Ip", "Cf-Connecting-Ip",
		"Fastly-Client-Ip", "X-Client-Ip", "X-Cluster-Client-Ip":
		return canonical
	}
	return "other"
}
