// Package privacyprocessor is the OpenTelemetry Collector processor
// "privacy": it strips personal identifiers from log records and from
// span and log attributes with caddy-privacy's engine, under the same
// policy and rule table as the Caddy log encoder and the log CLI.
//
// It is collector glue only: this file is the factory, config.go the
// configuration (the project's policy), processor.go the walk over pdata.
package privacyprocessor

import (
	"context"
	"sync"

	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/consumer"
	"go.opentelemetry.io/collector/processor"
	"go.opentelemetry.io/collector/processor/processorhelper"
)

// typeStr is the processor's name in a collector's configuration.
const typeStr = "privacy"

// NewFactory returns the factory of the privacy processor.
func NewFactory() processor.Factory {
	f := &factory{shared: make(map[*Config]*shared)}
	return processor.NewFactory(
		component.MustNewType(typeStr),
		func() component.Config { return &Config{} },
		processor.WithLogs(f.createLogs, component.StabilityLevelAlpha),
		processor.WithTraces(f.createTraces, component.StabilityLevelAlpha),
	)
}

// factory hands the logs and traces pipelines of one configured processor
// the same redaction value, so they share its pseudonym keys, the
// collector's configuration pointer being one per component.
type factory struct {
	mu     sync.Mutex
	shared map[*Config]*shared
}

// shared is one redaction value and the number of pipelines using it.
type shared struct {
	p       *privacy
	started bool
	users   int
}

func (f *factory) get(set processor.Settings, cfg component.Config) (*privacy, error) {
	c := cfg.(*Config)
	f.mu.Lock()
	defer f.mu.Unlock()
	if s, ok := f.shared[c]; ok {
		s.users++
		return s.p, nil
	}
	p, err := newPrivacy(set, c)
	if err != nil {
		return nil, err
	}
	f.shared[c] = &shared{p: p, users: 1}
	return p, nil
}

func (f *factory) start(c *Config) component.StartFunc {
	return func(ctx context.Context, _ component.Host) error {
		f.mu.Lock()
		defer f.mu.Unlock()
		if s := f.shared[c]; s != nil && !s.started {
			s.started = true
			s.p.start()
		}
		return nil
	}
}

func (f *factory) shutdown(c *Config) component.ShutdownFunc {
	return func(context.Context) error {
		f.mu.Lock()
		defer f.mu.Unlock()
		s := f.shared[c]
		if s == nil {
			return nil
		}
		if s.users--; s.users > 0 {
			return nil
		}
		delete(f.shared, c)
		return s.p.shutdown()
	}
}

var capabilities = processorhelper.WithCapabilities(consumer.Capabilities{MutatesData: true})

func (f *factory) createLogs(ctx context.Context, set processor.Settings, cfg component.Config, next consumer.Logs) (processor.Logs, error) {
	p, err := f.get(set, cfg)
	if err != nil {
		return nil, err
	}
	c := cfg.(*Config)
	return processorhelper.NewLogs(ctx, set, cfg, next, p.processLogs, capabilities,
		processorhelper.WithStart(f.start(c)), processorhelper.WithShutdown(f.shutdown(c)))
}

func (f *factory) createTraces(ctx context.Context, set processor.Settings, cfg component.Config, next consumer.Traces) (processor.Traces, error) {
	p, err := f.get(set, cfg)
	if err != nil {
		return nil, err
	}
	c := cfg.(*Config)
	return processorhelper.NewTraces(ctx, set, cfg, next, p.processTraces, capabilities,
		processorhelper.WithStart(f.start(c)), processorhelper.WithShutdown(f.shutdown(c)))
}
